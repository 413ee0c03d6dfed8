package dev.warbler.cli;

import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.TypingEvent;
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
 * {@code warbler listen --as U [--count N] [--timeout SECONDS] [--presence USER]...}: prints each
 * message the user receives (live or recovered after a reconnect) as one JSON line, change entries
 * (recall, edit, reaction) included, and each live receipt, typing and presence event as a JSON
 * line with an {@code "event"} field ({@code read}, {@code delivered}, {@code typing}, {@code
 * presence}). A delete-for-me from one of the user's devices prints as a tombstone line. With
 * {@code --presence} it watches those users and prints their presence now, then every change. Exits
 * 0 after N messages (events and tombstones do not count); when the timeout passes first, exits 0
 * if no count was given, else 1.
 */
@CommandLine.Command(
    name = "listen",
    mixinStandardHelpOptions = true,
    description =
        "Print the messages and receipt, typing and presence events a user receives, one JSON"
            + " line each.")
final class ListenCommand extends ClientCommand {
  private final Environment env;

  @CommandLine.Option(
      names = "--as",
      required = true,
      paramLabel = "USER",
      description = "the user")
  String as = "";

  @CommandLine.Option(names = "--count", paramLabel = "N", description = "exit after N messages")
  @Nullable Integer count;

  @CommandLine.Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "exit after this many seconds")
  @Nullable Long timeoutSeconds;

  @CommandLine.Option(
      names = "--presence",
      paramLabel = "USER",
      description = "watch this user's presence (repeatable)")
  List<String> presence = new ArrayList<>();

  ListenCommand(Environment env) {
    this.env = env;
  }

  @Override
  Environment env() {
    return env;
  }

  @Override
  int run() throws Exception {
    if (count != null && count < 1) {
      throw usage("--count must be at least 1 but was " + count);
    }
    if (timeoutSeconds != null && timeoutSeconds < 1) {
      throw usage("--timeout must be at least 1 second but was " + timeoutSeconds);
    }
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<WarblerClient> client = new AtomicReference<>();
    AtomicReference<WarblerConnectionException> stopped = new AtomicReference<>();
    Printer printer = new Printer(done);
    MessageListener listener =
        new MessageListener() {
          @Override
          public void onMessage(Message message) {
            printer.print(message);
          }

          @Override
          public void onReadReceipt(ReadReceipt receipt) {
            printer.event(JsonLines.event(receipt));
          }

          @Override
          public void onDeliveryReceipt(DeliveryReceipt receipt) {
            printer.event(JsonLines.event(receipt));
          }

          @Override
          public void onTyping(TypingEvent typing) {
            printer.event(JsonLines.event(typing));
          }

          @Override
          public void onPresence(PresenceEvent change) {
            printer.event(JsonLines.event(change));
          }

          @Override
          public void onDeletedForMe(String conversation, long seq) {
            printer.deleted(conversation, seq);
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
    try (ClientSession session = ClientSession.open(options, env, as, listener)) {
      client.set(session.client);
      if (!presence.isEmpty()) {
        for (PresenceEntry e :
            session
                .client
                .subscribePresence(presence)
                .get(ClientSession.CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          printer.event(
              JsonLines.event(
                  PresenceEvent.newBuilder()
                      .setUser(e.getUser())
                      .setOnline(e.getOnline())
                      .setLastSeen(e.getLastSeen())
                      .build()));
        }
      }
      err().println("listening as " + as + " (app " + options.app + ")");
      err().flush();
      boolean finished =
          timeoutSeconds == null ? await(done) : done.await(timeoutSeconds, TimeUnit.SECONDS);
      printer.stop();
      WarblerConnectionException failure = stopped.get();
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

  /** Prints up to {@code count} messages, then signals. Called on the SDK's dispatcher. */
  private final class Printer {
    private final CountDownLatch done;
    private int printed;
    private boolean stopped;

    Printer(CountDownLatch done) {
      this.done = done;
    }

    synchronized void print(Message message) {
      if (stopped || (count != null && printed >= count)) {
        return;
      }
      printLine(JsonLines.message(message));
      printed++;
      if (count != null && printed >= count) {
        done.countDown();
      }
    }

    /** Prints an event line; events do not count towards {@code --count}. */
    synchronized void event(String line) {
      if (!stopped && (count == null || printed < count)) {
        printLine(line);
      }
    }

    /** A delete-for-me from one of the user's devices, printed as a tombstone; not counted. */
    synchronized void deleted(String conversation, long seq) {
      if (!stopped) {
        printLine(
            JsonLines.message(
                Message.newBuilder()
                    .setConversation(conversation)
                    .setSeq(seq)
                    .setDeletedForMe(true)
                    .build()));
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
