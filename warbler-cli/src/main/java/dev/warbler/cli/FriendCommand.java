package dev.warbler.cli;

import dev.warbler.protocol.v1.Contact;
import dev.warbler.protocol.v1.FriendPage;
import dev.warbler.protocol.v1.FriendRequestPage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * {@code warbler friend add|accept|decline|list --as U}: friend requests and the friend list. Each
 * change prints how the two users stand afterwards as one JSON line; {@code list} prints one line
 * per friend (or per pending request with {@code --requests} / {@code --outgoing}).
 */
@CommandLine.Command(
    name = "friend",
    mixinStandardHelpOptions = true,
    description = "Friend requests and friends: add, accept, decline, list.",
    subcommands = {
      FriendCommand.Add.class,
      FriendCommand.Accept.class,
      FriendCommand.Decline.class,
      FriendCommand.ListFriends.class
    })
final class FriendCommand implements Runnable {
  /** Entries asked for per page when listing; the server caps it at contacts.page-max. */
  static final int PAGE = 200;

  final Environment env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  FriendCommand(Environment env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing subcommand: add, accept, decline or list");
  }

  /** A command acting as {@code --as} on one other user and printing the resulting contact. */
  abstract static class OnUser extends ClientCommand {
    @CommandLine.ParentCommand FriendCommand parent;

    @CommandLine.Option(
        names = "--as",
        required = true,
        paramLabel = "USER",
        description = "the user acting")
    String as = "";

    @CommandLine.Parameters(index = "0", paramLabel = "USER", description = "the other user")
    String user = "";

    @Override
    Environment env() {
      return parent.env;
    }

    abstract CompletableFuture<Contact> act(dev.warbler.sdk.WarblerClient client);

    @Override
    int run() throws Exception {
      try (ClientSession session = ClientSession.open(options, env(), as, m -> {})) {
        Contact contact =
            act(session.client)
                .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        printLine(JsonLines.contact(contact));
        return 0;
      }
    }
  }

  @CommandLine.Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = "Send a friend request (accepts theirs if they asked first).")
  static final class Add extends OnUser {
    @CommandLine.Option(names = "--message", paramLabel = "TEXT", description = "a note")
    String message = "";

    @Override
    CompletableFuture<Contact> act(dev.warbler.sdk.WarblerClient client) {
      return client.sendFriendRequest(user, message);
    }
  }

  @CommandLine.Command(
      name = "accept",
      mixinStandardHelpOptions = true,
      description = "Accept the pending friend request from USER.")
  static final class Accept extends OnUser {
    @Override
    CompletableFuture<Contact> act(dev.warbler.sdk.WarblerClient client) {
      return client.respondFriendRequest(user, true);
    }
  }

  @CommandLine.Command(
      name = "decline",
      mixinStandardHelpOptions = true,
      description = "Decline the pending friend request from USER.")
  static final class Decline extends OnUser {
    @Override
    CompletableFuture<Contact> act(dev.warbler.sdk.WarblerClient client) {
      return client.respondFriendRequest(user, false);
    }
  }

  @CommandLine.Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Print the friends (or pending requests) of a user, one JSON line each.")
  static final class ListFriends extends ClientCommand {
    @CommandLine.ParentCommand FriendCommand parent;

    @CommandLine.Option(
        names = "--as",
        required = true,
        paramLabel = "USER",
        description = "the user")
    String as = "";

    @CommandLine.ArgGroup(exclusive = true)
    Which which = new Which();

    static final class Which {
      @CommandLine.Option(names = "--requests", description = "requests sent to the user")
      boolean incoming;

      @CommandLine.Option(names = "--outgoing", description = "requests the user sent")
      boolean outgoing;
    }

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() throws Exception {
      try (ClientSession session = ClientSession.open(options, env(), as, m -> {})) {
        if (which.incoming || which.outgoing) {
          pages(
              cursor -> session.client.listFriendRequests(which.outgoing, cursor, PAGE),
              (FriendRequestPage p) -> {
                p.getRequestsList().forEach(r -> printLine(JsonLines.friendRequest(r, "")));
                return p.getNextCursor();
              });
        } else {
          pages(
              cursor -> session.client.listFriends(cursor, PAGE),
              (FriendPage p) -> {
                p.getFriendsList()
                    .forEach(f -> printLine(JsonLines.entry(f.getUser(), f.getSince())));
                return p.getNextCursor();
              });
        }
        return 0;
      }
    }
  }

  /** Reads every page: {@code print} prints one and returns its next cursor ("" at the end). */
  static <P> void pages(Function<String, CompletableFuture<P>> read, Function<P, String> print)
      throws Exception {
    String cursor = "";
    do {
      P page =
          read.apply(cursor).get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      cursor = print.apply(page);
    } while (!cursor.isEmpty());
  }
}
