package dev.warbler.cli;

import dev.warbler.protocol.v1.PresenceEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler presence --as U USER...}: whether each user is online, and when it was last seen,
 * one JSON line per user. ({@code listen --presence USER} follows the changes.)
 */
@CommandLine.Command(
    name = "presence",
    mixinStandardHelpOptions = true,
    description =
        "Print whether users are online and when they were last seen, one JSON line each.")
final class PresenceCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user asking")
  String as = "";

  @CommandLine.Parameters(arity = "1..*", paramLabel = "USER", description = "users to look up")
  List<String> users = new ArrayList<>();

  PresenceCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      List<PresenceEntry> entries =
          session
              .client
              .subscribePresence(users)
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      entries.forEach(e -> printLine(JsonLines.presence(e)));
      return 0;
    }
  }
}
