package dev.warbler.jmh;

import dev.warbler.core.Principal;
import dev.warbler.core.access.TokenService;
import dev.warbler.core.directory.App;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
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

/** HS256 token verification, which every connection and REST call pays once. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class TokenBenchmark {
  private TokenService tokens;
  private String token;

  @Setup
  public void setUp() {
    App app = new App(Samples.APP, "Bench", "s3cr3t-0123456789abcdef0123456789abcdef", 0);
    tokens =
        new TokenService(
            id -> id.equals(app.id()) ? Optional.of(app) : Optional.empty(),
            InstantSource.system(),
            Set.of("HS256"),
            Duration.ofSeconds(30));
    token = tokens.issue(app, "alice", Duration.ofHours(1));
  }

  @Benchmark
  public Principal verify() {
    return tokens.verify(token);
  }
}
