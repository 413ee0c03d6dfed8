package dev.warbler.cli;

import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.WarblerClient;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/** {@code warbler recall --as U (--with U2 | --group G | --conversation C) --seq N}. */
@CommandLine.Command(
    name = "recall",
    mixinStandardHelpOptions = true,
    description = {
      "Recall a message: your own within the server's recall window, or anyone's in a group you"
          + " moderate. Prints the ack of the change as one JSON line."
    })
final class RecallCommand extends LifecycleCommand {
  RecallCommand(Environment env) {
    super(env);
  }

  @Override
  CompletableFuture<SendAck> act(WarblerClient client, String conversation) {
    return client.recall(conversation, seq);
  }
}
