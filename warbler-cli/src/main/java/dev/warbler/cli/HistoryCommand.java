package dev.warbler.cli;

import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler history --as U (--with U2 | --group GID) [--limit N]}: the newest N messages of a
 * conversation, printed oldest first as JSON lines.
 */
@CommandLine.Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = "Print a conversation's latest messages, oldest first, one JSON line each.")
final class HistoryCommand extends ClientCommand {
  /** Messages asked for per request; the server caps pages at limits.pull-page-max anyway. */
  static final int PAGE = 200;

  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the reader")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  ConversationTarget target = new ConversationTarget();

  @CommandLine.Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "50",
      description = "how many messages (default: ${DEFAULT-VALUE})")
  int limit = 50;

  HistoryCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    if (limit < 1) {
      throw usage("--limit must be at least 1 but was " + limit);
    }
    String conversation = target.id(as);
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      Deque<Message> newestLast = new ArrayDeque<>();
      long before = 0;
      while (newestLast.size() < limit) {
        MessagePage page =
            session
                .client
                .history(conversation, before, Math.min(PAGE, limit - newestLast.size()))
                .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        for (int i = page.getMessagesCount() - 1; i >= 0; i--) {
          newestLast.addFirst(page.getMessages(i));
        }
        if (!page.getMore() || page.getMessagesCount() == 0) {
          break;
        }
        before = page.getMessages(0).getSeq();
      }
      while (newestLast.size() > limit) {
        newestLast.removeFirst();
      }
      newestLast.forEach(m -> printLine(JsonLines.message(m)));
      return 0;
    }
  }
}
