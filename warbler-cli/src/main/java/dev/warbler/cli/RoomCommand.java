package dev.warbler.cli;

import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.sdk.WarblerConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler room join|send|create}: chatrooms (live rooms for classes and events).
 *
 * <ul>
 *   <li>{@code room join --as U ROOM [--recent N] [--count N] [--timeout S]} prints the room's
 *       recent messages, then every live one, one JSON line each; exits like {@code listen}.
 *   <li>{@code room send --as U ROOM TEXT} joins, sends, prints the ack as one JSON line.
 *   <li>{@code room create ROOM [--name NAME] [--max-members N]} creates it (admin key, REST).
 * </ul>
 */
@CommandLine.Command(
    name = "room",
    mixinStandardHelpOptions = true,
    description = "Chatrooms: join (print messages), send, create.",
    subcommands = {RoomCommand.Join.class, RoomCommand.Send.class, RoomCommand.Create.class})
final class RoomCommand implements Runnable {
  final Environment env;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  RoomCommand(Environment env) {
    this.env = env;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "missing subcommand: join, send or create");
  }

  @CommandLine.Command(
      name = "join",
      mixinStandardHelpOptions = true,
      description = "Join a chatroom; print its recent and then its live messages as JSON lines.")
  static final class Join extends ClientCommand {
    @CommandLine.ParentCommand RoomCommand parent;

    @CommandLine.Option(
        names = "--as",
        required = true,
        paramLabel = "USER",
        description = "the user")
    String as = "";

    @CommandLine.Parameters(index = "0", paramLabel = "ROOM", description = "chatroom id")
    String room = "";

    @CommandLine.Option(
        names = "--recent",
        paramLabel = "N",
        defaultValue = "20",
        description = "recent messages to print first (default: ${DEFAULT-VALUE})")
    int recent = 20;

    @CommandLine.Option(
        names = "--count",
        paramLabel = "N",
        description = "exit after N messages (recent ones included)")
    @Nullable Integer count;

    @CommandLine.Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        description = "exit after this many seconds")
    @Nullable Long timeoutSeconds;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() throws Exception {
      if (recent < 0) {
        throw usage("--recent must be at least 0 but was " + recent);
      }
      if (count != null && count < 1) {
        throw usage("--count must be at least 1 but was " + count);
      }
      if (timeoutSeconds != null && timeoutSeconds < 1) {
        throw usage("--timeout must be at least 1 second but was " + timeoutSeconds);
      }
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<WarblerClient> client = new AtomicReference<>();
      AtomicReference<Exception> stopped = new AtomicReference<>();
      Printer printer = new Printer(done);
      MessageListener listener =
          new MessageListener() {
            @Override
            public void onMessage(Message message) {
              // Direct and group messages are for `listen`.
            }

            @Override
            public void onChatroomMessage(ChatroomMessage m) {
              if (m.getRoom().equals(room)) {
                printer.live(m);
              }
            }

            @Override
            public void onChatroomLeft(ChatroomLeft left) {
              if (left.getRoom().equals(room)) {
                stopped.set(new CliException("left chatroom " + room + ": " + left.getReason()));
                done.countDown();
              }
            }

            @Override
            public void onDisconnected(int closeCode, String reason) {
              WarblerClient c = client.get();
              if (c != null && c.state() == WarblerClient.State.STOPPED) {
                stopped.set(new WarblerConnectionException(closeCode, reason));
                done.countDown();
              }
            }
          };
      try (ClientSession session = ClientSession.open(options, env(), as, listener)) {
        client.set(session.client);
        ChatroomJoined joined =
            session
                .client
                .joinChatroom(room, recent)
                .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        err()
            .println(
                "in chatroom "
                    + room
                    + " as "
                    + as
                    + " ("
                    + joined.getPresentCount()
                    + " present)");
        err().flush();
        printer.start(joined);
        boolean finished =
            timeoutSeconds == null ? await(done) : done.await(timeoutSeconds, TimeUnit.SECONDS);
        printer.stop();
        Exception failure = stopped.get();
        if (failure != null) {
          return Errors.report(err(), failure);
        }
        if (!finished && count != null) {
          err()
              .println(
                  "error: timed out after "
                      + timeoutSeconds
                      + " s with "
                      + printer.printed()
                      + " of "
                      + count
                      + " messages");
          err().flush();
          return Errors.FAILED;
        }
        return 0;
      }
    }

    private static boolean await(CountDownLatch done) throws InterruptedException {
      done.await();
      return true;
    }

    /**
     * Prints the recent messages, then the live ones, up to {@code count}. Live messages that
     * arrive before the recent ones are printed wait, so the output stays in seq order.
     */
    private final class Printer {
      private final CountDownLatch done;
      private final List<ChatroomMessage> early = new ArrayList<>();
      private @Nullable ChatroomJoined joined;
      private int printed;
      private boolean stopped;

      Printer(CountDownLatch done) {
        this.done = done;
      }

      synchronized void start(ChatroomJoined j) {
        joined = j;
        j.getRecentList().forEach(m -> print(j.getEpoch(), m));
        early.forEach(this::live);
        early.clear();
      }

      synchronized void live(ChatroomMessage m) {
        ChatroomJoined j = joined;
        if (j == null) {
          early.add(m);
          return;
        }
        if (m.getEpoch() == j.getEpoch() && m.getMessage().getSeq() <= j.getLastSeq()) {
          return; // already printed among the recent ones
        }
        print(m.getEpoch(), m.getMessage());
      }

      private void print(long epoch, Message m) {
        if (stopped || (count != null && printed >= count)) {
          return;
        }
        printLine(JsonLines.roomMessage(room, epoch, m));
        printed++;
        if (count != null && printed >= count) {
          done.countDown();
        }
      }

      synchronized void stop() {
        stopped = true;
      }

      synchronized int printed() {
        return printed;
      }
    }
  }

  @CommandLine.Command(
      name = "send",
      mixinStandardHelpOptions = true,
      description = "Join a chatroom and send a text to it; prints the ack as one JSON line.")
  static final class Send extends ClientCommand {
    @CommandLine.ParentCommand RoomCommand parent;

    @CommandLine.Option(
        names = "--as",
        required = true,
        paramLabel = "USER",
        description = "the sender")
    String as = "";

    @CommandLine.Parameters(index = "0", paramLabel = "ROOM", description = "chatroom id")
    String room = "";

    @CommandLine.Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "TEXT",
        description = "the text (words are joined with spaces)")
    List<String> words = new ArrayList<>();

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() throws Exception {
      String text = String.join(" ", words);
      if (text.isBlank()) {
        throw usage("TEXT must not be blank");
      }
      try (ClientSession session = ClientSession.open(options, env(), as, m -> {})) {
        long timeout = ClientSession.CONNECT_TIMEOUT.toMillis();
        session.client.joinChatroom(room, 0).get(timeout, TimeUnit.MILLISECONDS);
        SendAck ack = session.client.sendToChatroom(room, text).get(timeout, TimeUnit.MILLISECONDS);
        printLine(JsonLines.ack(ack));
        return 0;
      }
    }
  }

  @CommandLine.Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a chatroom (with the admin key); prints it as one JSON line.")
  static final class Create extends ClientCommand {
    @CommandLine.ParentCommand RoomCommand parent;

    @CommandLine.Parameters(index = "0", paramLabel = "ROOM", description = "chatroom id")
    String id = "";

    @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "display name")
    @Nullable String name;

    @CommandLine.Option(
        names = "--max-members",
        paramLabel = "N",
        description = "connections present at once (default: the server's chatroom.max-present)")
    int maxMembers;

    @Override
    Environment env() {
      return parent.env;
    }

    @Override
    int run() {
      if (maxMembers < 0) {
        throw usage("--max-members must be positive but was " + maxMembers);
      }
      printLine(
          JsonLines.chatroom(
              options
                  .admin(env())
                  .createChatroom(options.app, id, name == null ? "" : name, maxMembers)));
      return 0;
    }
  }
}
