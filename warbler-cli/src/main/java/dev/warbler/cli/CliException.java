package dev.warbler.cli;

/** A failure the user can fix (missing admin key, bad input), printed as {@code error: message}. */
final class CliException extends RuntimeException {
  CliException(String message) {
    super(message);
  }
}
