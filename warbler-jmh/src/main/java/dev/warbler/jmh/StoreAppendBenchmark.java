package dev.warbler.jmh;

import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.store.sqlite.Durability;
import dev.warbler.store.sqlite.SqliteConfig;
import dev.warbler.store.sqlite.SqliteStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seq allocation and durable appends: {@value #IN_FLIGHT} appends submitted at once, which the
 * store's single writer commits in batches (group commit), then awaited. The score is appends per
 * second. {@code conversations} = 1 puts every append into one conversation (one hot seq row); more
 * spreads them over that many direct conversations of one sender.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
public class StoreAppendBenchmark {
  /** Appends in flight per invocation. */
  public static final int IN_FLIGHT = 256;

  @Param({"FULL", "OFF"})
  public String durability;

  @Param({"1", "100"})
  public int conversations;

  private Path dir;
  private SqliteStores stores;
  private ConversationId[] targets;
  private long next;

  @Setup
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("warbler-jmh-store");
    stores =
        new SqliteStores(
            new SqliteConfig(
                dir.resolve("warbler.db"), Durability.valueOf(durability), 1_000, 100_000, 2));
    stores.directory().createApp(new App(Samples.APP, "Bench", "secret", 0));
    stores.directory().createUser(new User(Samples.APP, "alice", "Alice", 0));
    targets = new ConversationId[conversations];
    for (int i = 0; i < conversations; i++) {
      String peer = "u" + i;
      stores.directory().createUser(new User(Samples.APP, peer, peer, 0));
      targets[i] = ConversationId.direct("alice", peer);
    }
  }

  @TearDown
  public void tearDown() {
    stores.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public Object appendBatch() {
    CompletableFuture<?>[] futures = new CompletableFuture<?>[IN_FLIGHT];
    for (int i = 0; i < IN_FLIGHT; i++) {
      long n = next++;
      futures[i] =
          stores
              .messages()
              .append(
                  new NewMessage(
                      Samples.APP,
                      targets[(int) (n % targets.length)],
                      "m" + n,
                      "c" + n,
                      "alice",
                      MessageType.TEXT,
                      Samples.TEXT_100,
                      "",
                      1_764_000_000_000L + n));
    }
    return CompletableFuture.allOf(futures).join();
  }
}
