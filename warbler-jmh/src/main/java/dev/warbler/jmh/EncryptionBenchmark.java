package dev.warbler.jmh;

import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.MasterKeys;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.spi.DataKeyStore;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encryption at rest of one 100-byte message body (ADR 0011): sealing (AES-256-GCM, random nonce,
 * base64) as every send of an encrypting app pays it, and sealing then opening as a send plus one
 * read pays it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class EncryptionBenchmark {
  private static final ConversationId CONVERSATION = ConversationId.direct("alice", "bob");

  private AtRestEncryption crypto;
  private AtRestEncryption.SealingKey key;
  private String body;
  private String sealed;

  @Setup
  public void setUp() {
    byte[] master = new byte[MasterKeys.KEY_BYTES];
    new SecureRandom().nextBytes(master);
    crypto =
        new AtRestEncryption(
            new MemoryKeys(), MasterKeys.of(master, List.of()), InstantSource.system());
    crypto.setEnabled(Samples.APP, true);
    key = crypto.sealingKey(Samples.APP);
    body = "x".repeat(100);
    sealed = crypto.seal(key, Samples.APP, CONVERSATION, AtRestEncryption.TEXT, body);
  }

  @Benchmark
  public String seal() {
    return crypto.seal(key, Samples.APP, CONVERSATION, AtRestEncryption.TEXT, body);
  }

  @Benchmark
  public String open() {
    return crypto.open(Samples.APP, CONVERSATION, AtRestEncryption.TEXT, sealed);
  }

  @Benchmark
  public String sealThenOpen() {
    return crypto.open(
        Samples.APP,
        CONVERSATION,
        AtRestEncryption.TEXT,
        crypto.seal(key, Samples.APP, CONVERSATION, AtRestEncryption.TEXT, body));
  }

  /** Data keys in memory. */
  static final class MemoryKeys implements DataKeyStore {
    private final List<DataKey> keys = new ArrayList<>();
    private boolean enabled;

    @Override
    public boolean enabled(String app) {
      return enabled;
    }

    @Override
    public void setEnabled(String app, boolean on, long at) {
      enabled = on;
    }

    @Override
    public List<DataKey> keys(String app) {
      return List.copyOf(keys);
    }

    @Override
    public List<DataKey> allKeys() {
      return List.copyOf(keys);
    }

    @Override
    public boolean addKey(DataKey key) {
      return keys.add(key);
    }

    @Override
    public void rewrap(DataKey key) {}
  }
}
