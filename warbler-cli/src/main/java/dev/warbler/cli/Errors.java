package dev.warbler.cli;

import dev.warbler.sdk.WarblerClientException;
import dev.warbler.sdk.WarblerConnectionException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Turns failures into one {@code error: ...} line on stderr and an exit code. */
final class Errors {
  /** Exit code of a command that failed (usage errors exit with picocli's 2). */
  static final int FAILED = 1;

  private Errors() {}

  /** Prints the error and returns {@link #FAILED}. */
  static int report(PrintWriter err, Throwable failure) {
    err.println(describe(failure));
    err.flush();
    return FAILED;
  }

  /**
   * {@code error: NAME (code): message} for protocol and close errors; {@code error: message}
   * otherwise.
   */
  static String describe(Throwable failure) {
    Throwable e = unwrap(failure);
    return switch (e) {
      case WarblerClientException w ->
          "error: " + w.name() + " (" + w.code() + "): " + w.error().getMessage();
      case WarblerConnectionException c ->
          "error: "
              + c.knownCloseCode()
                  .map(Enum::name)
                  .orElse(
                      c.closeCode() == WarblerConnectionException.ABNORMAL
                          ? "CONNECTION_FAILED"
                          : "CLOSED")
              + " ("
              + c.closeCode()
              + "): "
              + c.reason();
      case UncheckedIOException io -> "error: " + message(io.getCause());
      case TimeoutException t -> "error: timed out: " + message(t);
      default -> "error: " + message(e);
    };
  }

  static Throwable unwrap(Throwable failure) {
    Throwable e = failure;
    while ((e instanceof ExecutionException || e instanceof CompletionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
