package dev.warbler.cli;

import dev.warbler.protocol.v1.MemberReceipt;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler receipts --as U (--with U2 | --group GID | --conversation ID)}: how far each
 * member has read and received the conversation, one JSON line per member.
 */
@CommandLine.Command(
    name = "receipts",
    mixinStandardHelpOptions = true,
    description = "Print each member's read and delivered seq, one JSON line per member.")
final class ReceiptsCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "a member asking")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  ConversationTarget target = new ConversationTarget();

  ReceiptsCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    String conversation = target.id(as);
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      List<MemberReceipt> receipts =
          session
              .client
              .receipts(conversation)
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      receipts.forEach(r -> printLine(JsonLines.receipt(r)));
      return 0;
    }
  }
}
