package dev.warbler.cli;

import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler send --as U (--to U2 | --group GID) [--reply-to N] [--mention U]...
 * [--mention-all] TEXT}: prints the ack as one JSON line.
 */
@CommandLine.Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = "Send a text message as a user; prints the ack as one JSON line.")
final class SendCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the sender")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  Target target = new Target();

  static final class Target {
    @CommandLine.Option(
        names = "--to",
        required = true,
        paramLabel = "USER",
        description = "the recipient")
    @Nullable String user;

    @CommandLine.Option(
        names = "--group",
        required = true,
        paramLabel = "GID",
        description = "the group")
    @Nullable String group;
  }

  @CommandLine.Option(
      names = "--client-msg-id",
      paramLabel = "ID",
      description =
          "idempotency key (default: a random UUID); sending again with it sends nothing new")
  @Nullable String clientMsgId;

  @CommandLine.Option(
      names = "--reply-to",
      paramLabel = "N",
      description = "quote message N of the same conversation")
  @Nullable Long replyTo;

  @CommandLine.Option(
      names = "--mention",
      paramLabel = "USER",
      description = "mention a member (repeatable)")
  List<String> mentions = new ArrayList<>();

  @CommandLine.Option(names = "--mention-all", description = "mention everyone (@all)")
  boolean mentionAll;

  @CommandLine.Parameters(
      arity = "1..*",
      paramLabel = "TEXT",
      description = "the text (words are joined with spaces)")
  List<String> words = new ArrayList<>();

  SendCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    String text = String.join(" ", words);
    if (text.isBlank()) {
      throw usage("TEXT must not be blank");
    }
    Send.Builder send = Send.newBuilder().setType(MessageType.TEXT).setText(text);
    if (target.user != null) {
      send.setUser(target.user);
    } else {
      send.setGroup(String.valueOf(target.group));
    }
    if (clientMsgId != null) {
      send.setClientMsgId(clientMsgId);
    }
    if (replyTo != null) {
      if (replyTo < 1) {
        throw usage("--reply-to must be at least 1 but was " + replyTo);
      }
      send.setReplyTo(replyTo);
    }
    send.addAllMentions(mentions).setMentionAll(mentionAll);
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      SendAck ack =
          session
              .client
              .send(send.build())
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      printLine(JsonLines.ack(ack));
      return 0;
    }
  }
}
