package dev.warbler.cli;

import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.WarblerClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Base of {@code recall}, {@code edit} and {@code react}: acts as a user on message {@code --seq}
 * of a conversation and prints the ack of the resulting CHANGE entry as one JSON line.
 */
abstract class LifecycleCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user acting")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  ConversationTarget target = new ConversationTarget();

  @CommandLine.Option(
      names = "--seq",
      required = true,
      paramLabel = "N",
      description = "the message's seq in the conversation")
  long seq;

  LifecycleCommand(Environment env) {
    this.env = env;
  }

  @Override
  final Environment env() {
    return env;
  }

  /** Checks the command's own arguments; throws {@link #usage} for bad ones. */
  void check() {}

  /** The request, given the connected client and the conversation id. */
  abstract CompletableFuture<SendAck> act(WarblerClient client, String conversation);

  @Override
  final int run() throws Exception {
    if (seq < 1) {
      throw usage("--seq must be at least 1 but was " + seq);
    }
    check();
    String conversation = target.id(as);
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      SendAck ack =
          act(session.client, conversation)
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      printLine(JsonLines.ack(ack));
      return 0;
    }
  }
}
