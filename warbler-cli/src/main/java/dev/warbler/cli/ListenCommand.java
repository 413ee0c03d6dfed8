package dev.warbler.cli;

import dev.warbler.protocol.v1.Message;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.sdk.WarblerConnectionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * {@code warbler listen --as U [--count N] [--timeout SECONDS]}: prints each message the user
 * receives (live or recovered after a reconnect) as one JSON line, change entries (recall, edit,
 * reaction) included. A delete-for-me from one of the user's devices prints as a tombstone line and
 * does not count. Exits 0 after N messages; when the timeout passes first, exits 0 if no count was
 * given, else 1.
 */
@CommandLine.Command(
    name = "listen",
    mixinStandardHelpOptions = true,
    description = "Print the messages a user receives, one JSON line each.")
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
