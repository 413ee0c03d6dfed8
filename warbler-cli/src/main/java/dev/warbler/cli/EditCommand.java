package dev.warbler.cli;

import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.WarblerClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/** {@code warbler edit --as U (--with U2 | --group G | --conversation C) --seq N TEXT}. */
@CommandLine.Command(
    name = "edit",
    mixinStandardHelpOptions = true,
    description = {
      "Replace the text of your own message within the server's edit window. Prints the ack of"
          + " the change as one JSON line."
    })
final class EditCommand extends LifecycleCommand {
  @CommandLine.Parameters(
      arity = "1..*",
      paramLabel = "TEXT",
      description = "the new text (words are joined with spaces)")
  List<String> words = new ArrayList<>();

  EditCommand(Environment env) {
    super(env);
  }

  @Override
  void check() {
    if (String.join(" ", words).isBlank()) {
      throw usage("TEXT must not be blank");
    }
  }

  @Override
  CompletableFuture<SendAck> act(WarblerClient client, String conversation) {
    return client.edit(conversation, seq, String.join(" ", words));
  }
}
