package dev.warbler.bench;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The line {@code warbler serve} prints once it listens: {@code warbler ready http=N ws=M ...}. */
record ReadyLine(int httpPort, int webSocketPort) {
  private static final Pattern READY = Pattern.compile("^warbler ready http=(\\d+) ws=(\\d+)\\b.*");

  static Optional<ReadyLine> parse(String line) {
    Matcher m = READY.matcher(line.strip());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(new ReadyLine(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
  }
}
