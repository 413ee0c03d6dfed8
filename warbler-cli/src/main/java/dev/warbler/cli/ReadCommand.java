package dev.warbler.cli;

import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.ReadState;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler read --as U (--with U2 | --group GID | --conversation ID) [--seq N]}: marks the
 * conversation read up to N (default: its last message) and prints the read state as one JSON line.
 * The other members (and the user's other devices) get a read receipt.
 */
@CommandLine.Command(
    name = "read",
    mixinStandardHelpOptions = true,
    description = "Mark a conversation read; prints the read state as one JSON line.")
final class ReadCommand extends ClientCommand {
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
      names = "--seq",
      paramLabel = "N",
      description = "read up to this seq (default: the last message)")
  @Nullable Long seq;

  ReadCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    if (seq != null && seq < 0) {
      throw usage("--seq must be at least 0 but was " + seq);
    }
    String conversation = target.id(as);
    long timeout = ClientSession.CONNECT_TIMEOUT.toMillis();
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      long upTo = seq != null ? seq : lastSeq(session, conversation, timeout);
      ReadState state =
          session.client.markRead(conversation, upTo).get(timeout, TimeUnit.MILLISECONDS);
      printLine(JsonLines.readState(state));
      return 0;
    }
  }

  private static long lastSeq(ClientSession session, String conversation, long timeout)
      throws Exception {
    MessagePage newest =
        session.client.history(conversation, 0, 1).get(timeout, TimeUnit.MILLISECONDS);
    return newest.getMessagesCount() == 0 ? 0 : newest.getMessages(0).getSeq();
  }
}
