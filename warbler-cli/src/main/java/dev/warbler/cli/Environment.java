package dev.warbler.cli;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;

/**
 * What the commands read from the process besides their arguments, so tests can supply it.
 *
 * @param variables environment variables
 * @param workingDirectory where a relative {@code data/admin.key} is looked up
 * @param stdin what {@code chat} reads lines from
 * @param zone the time zone {@code chat} shows times in
 */
public record Environment(
    Map<String, String> variables, Path workingDirectory, InputStream stdin, ZoneId zone) {

  public Environment {
    variables = Map.copyOf(variables);
  }

  /** This process's environment, working directory, standard input and time zone. */
  public static Environment system() {
    return new Environment(System.getenv(), Path.of(""), System.in, ZoneId.systemDefault());
  }

  public Optional<String> variable(String name) {
    return Optional.ofNullable(variables.get(name)).filter(v -> !v.isBlank());
  }
}
