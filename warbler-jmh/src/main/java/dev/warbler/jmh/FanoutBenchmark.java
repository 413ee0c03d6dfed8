package dev.warbler.jmh;

import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.sessions.Sessions;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.Push;
import dev.warbler.protocol.CloseCode;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core fan-out path: one group message published on its group topic of the in-process bus and
 * handed by {@link Sessions} to the {@code online} connections of the group's members on this node.
 * The connections only count, so this is the cost of the index walk and the calls, without encoding
 * or socket writes. The score is group messages per second; deliveries per second are the score
 * times {@code online}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class FanoutBenchmark {
  private static final String GROUP = "g1";

  @Param({"10", "500", "10000"})
  public int online;

  private Publisher publisher;
  private CountingConnection[] connections;
  private Delivery delivery;

  @Setup
  public void setUp() {
    var bus = new LocalCluster().bus();
    publisher = new Publisher(bus);
    Sessions sessions = new Sessions(bus);
    connections = new CountingConnection[online];
    for (int i = 0; i < online; i++) {
      CountingConnection c = new CountingConnection("u" + i);
      sessions.add(c, sessions.arriving(Samples.APP, c.user()), Set.of(GROUP));
      connections[i] = c;
    }
    if (sessions.onlineMembers(Samples.APP, GROUP) != online) {
      throw new IllegalStateException("the group index does not hold every connection");
    }
    ChatMessage m = Samples.message(ConversationId.group(GROUP));
    delivery = new Delivery(m, List.of());
  }

  @Benchmark
  public void deliverGroupMessage() {
    publisher.publish(delivery);
  }

  /** A connection that counts what it is given and does nothing else. */
  static final class CountingConnection implements Connection {
    private final String user;
    long pushed;

    CountingConnection(String user) {
      this.user = user;
    }

    @Override
    public String app() {
      return Samples.APP;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public void push(Push push) {
      switch (push) {
        case Push.Message m -> pushed++;
        case Push.State e -> pushed++;
        case Push.Room e -> pushed++;
        case Push.Contact e -> pushed++;
      }
    }

    @Override
    public void close(CloseCode code, String reason) {}
  }
}
