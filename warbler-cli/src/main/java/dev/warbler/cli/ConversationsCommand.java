package dev.warbler.cli;

import dev.warbler.protocol.v1.ConversationState;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler conversations --as U}: the user's conversation list as an app shows it, pinned
 * first, then the most recent first; one JSON line each with unread count, pinned, muted, archived,
 * custom settings and a preview of the last message.
 */
@CommandLine.Command(
    name = "conversations",
    mixinStandardHelpOptions = true,
    description = "Print a user's conversation list, one JSON line each.")
final class ConversationsCommand extends ClientCommand {
  /** Pinned first, then by the last message's time, newest first. */
  static final Comparator<ConversationState> LIST_ORDER =
      Comparator.comparing((ConversationState s) -> !s.getPinned())
          .thenComparing(
              s -> s.hasLastMessage() ? s.getLastMessage().getSentAt() : 0L,
              Comparator.reverseOrder())
          .thenComparing(ConversationState::getConversation);

  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user")
  String as = "";

  @CommandLine.Option(names = "--hide-archived", description = "leave archived conversations out")
  boolean hideArchived;

  ConversationsCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      List<ConversationState> all =
          session
              .client
              .conversations()
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      all.stream()
          .filter(s -> !(hideArchived && s.getArchived()))
          .sorted(LIST_ORDER)
          .forEach(s -> printLine(JsonLines.conversation(s)));
      return 0;
    }
  }
}
