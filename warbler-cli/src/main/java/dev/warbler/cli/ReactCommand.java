package dev.warbler.cli;

import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.WarblerClient;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/**
 * {@code warbler react --as U (--with U2 | --group G | --conversation C) --seq N EMOJI [--remove]}.
 */
@CommandLine.Command(
    name = "react",
    mixinStandardHelpOptions = true,
    description = {
      "Add (or with --remove, remove) your reaction to a message. Prints the ack of the change as"
          + " one JSON line; \"duplicate\":true when nothing changed."
    })
final class ReactCommand extends LifecycleCommand {
  @CommandLine.Parameters(
      index = "0",
      paramLabel = "EMOJI",
      description = "the reaction, e.g. 👍 (1-32 UTF-8 bytes, no spaces)")
  String emoji = "";

  @CommandLine.Option(names = "--remove", description = "remove the reaction instead")
  boolean remove;

  ReactCommand(Environment env) {
    super(env);
  }

  @Override
  CompletableFuture<SendAck> act(WarblerClient client, String conversation) {
    return remove
        ? client.unreact(conversation, seq, emoji)
        : client.react(conversation, seq, emoji);
  }
}
