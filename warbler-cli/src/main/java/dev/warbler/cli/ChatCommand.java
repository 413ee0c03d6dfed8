package dev.warbler.cli;

import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessagePage;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler chat --as U (--to U2 | --group GID)}: an interactive chat in the terminal. Shows
 * the last messages, then prints incoming ones as {@code [HH:mm:ss] from: text}; each line typed is
 * sent; {@code /quit} (or end of input) exits.
 */
@CommandLine.Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description = "Chat in the terminal: lines you type are sent, /quit exits.")
final class ChatCommand extends ClientCommand {
  /** Messages shown when the chat starts. */
  static final int BACKLOG = 20;

  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "who you are")
  String as = "";

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  Target target = new Target();

  static final class Target {
    @CommandLine.Option(
        names = "--to",
        required = true,
        paramLabel = "USER",
        description = "chat with a user")
    @Nullable String user;

    @CommandLine.Option(
        names = "--group",
        required = true,
        paramLabel = "GID",
        description = "chat in a group")
    @Nullable String group;
  }

  ChatCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    String conversation = target.user != null ? direct(as, target.user) : "g:" + target.group;
    Screen screen = new Screen(conversation);
    MessageListener listener = screen::live;
    try (ClientSession session = ClientSession.open(options, env, as, listener)) {
      WarblerClient client = session.client;
      MessagePage backlog =
          client
              .history(conversation, 0, BACKLOG)
              .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      screen.backlog(backlog.getMessagesList());
      err()
          .println(
              "chatting in "
                  + conversation
                  + " as "
                  + as
                  + "; type a message and Enter, /quit to exit");
      err().flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(env.stdin(), StandardCharsets.UTF_8));
      List<CompletableFuture<?>> sending = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null) {
        String text = line.strip();
        if (text.equals("/quit")) {
          break;
        }
        if (text.isEmpty()) {
          continue;
        }
        CompletableFuture<SendAck> ack =
            target.user != null
                ? client.sendText(target.user, text)
                : client.sendToGroup(String.valueOf(target.group), text);
        sending.add(
            ack.whenComplete((a, e) -> {
              if (e != null) {
                Errors.report(err(), e);
              } else {
                screen.own(a, text);
              }
            }));
      }
      // Let sends typed just before /quit (or end of input) finish.
      CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new))
          .handle((v, e) -> null)
          .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return 0;
    }
  }

  /**
   * Prints each message of the conversation once, whichever way it arrives first: the backlog, a
   * live push, or the ack of one's own send. Live messages wait until the backlog is shown.
   */
  private final class Screen {
    private final String conversation;
    private final Set<Long> shown = new HashSet<>();
    private final List<Message> early = new ArrayList<>();
    private boolean backlogShown;

    Screen(String conversation) {
      this.conversation = conversation;
    }

    synchronized void live(Message m) {
      if (!m.getConversation().equals(conversation)) {
        return;
      }
      if (!backlogShown) {
        early.add(m);
        return;
      }
      show(m);
    }

    synchronized void backlog(List<Message> messages) {
      messages.forEach(this::show);
      backlogShown = true;
      early.forEach(this::show);
      early.clear();
    }

    synchronized void own(SendAck ack, String text) {
      show(
          Message.newBuilder()
              .setConversation(ack.getConversation())
              .setSeq(ack.getSeq())
              .setId(ack.getMessageId())
              .setFrom(as)
              .setText(text)
              .setSentAt(ack.getSentAt())
              .build());
    }

    private void show(Message m) {
      if (shown.add(m.getSeq())) {
        printLine(JsonLines.chatLine(m, env.zone()));
      }
    }
  }
}
