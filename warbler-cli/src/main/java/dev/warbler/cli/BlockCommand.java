package dev.warbler.cli;

import dev.warbler.protocol.v1.Contact;
import dev.warbler.sdk.WarblerClient;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * {@code warbler block --as U USER} and {@code warbler unblock --as U USER}: a blocked user's
 * direct messages and friend requests to U are refused with BLOCKED. Prints how the two users stand
 * afterwards as one JSON line.
 */
abstract class BlockCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user who blocks")
  String as = "";

  @CommandLine.Parameters(index = "0", paramLabel = "USER", description = "the other user")
  String user = "";

  BlockCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  abstract CompletableFuture<Contact> act(WarblerClient client);

  @Override
  int run() throws Exception {
    try (ClientSession session = ClientSession.open(options, env, as, m -> {})) {
      Contact contact =
          act(session.client).get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      printLine(JsonLines.contact(contact));
      return 0;
    }
  }

  @CommandLine.Command(
      name = "block",
      mixinStandardHelpOptions = true,
      description = "Block a user: its direct messages and friend requests are refused.")
  static final class Block extends BlockCommand {
    Block(Environment env) {
      super(env);
    }

    @Override
    CompletableFuture<Contact> act(WarblerClient client) {
      return client.block(user);
    }
  }

  @CommandLine.Command(
      name = "unblock",
      mixinStandardHelpOptions = true,
      description = "Lift a block.")
  static final class Unblock extends BlockCommand {
    Unblock(Environment env) {
      super(env);
    }

    @Override
    CompletableFuture<Contact> act(WarblerClient client) {
      return client.unblock(user);
    }
  }
}
