package dev.warbler.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The gateway's meters that its connections move: open connections, frames in and out, slow
 * consumers, control-frame floods, outbound queue peaks and authentication failures. Thread-safe;
 * called from event loops and virtual threads, never blocks.
 */
final class GatewayMeters {

  /** Why a connection never got authenticated; the {@code reason} tag of the failure counter. */
  enum AuthFailure {
    TOKEN_INVALID,
    TOKEN_EXPIRED,
    WRONG_APP,
    USER_NOT_FOUND,
    USER_BANNED,
    TOKEN_REVOKED,
    /** Refused unread: the address failed too often ({@code limits.auth-failures.*}). */
    THROTTLED,
    TIMEOUT,
    NOT_AUTHENTICATED,
    OTHER;

    String tag() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final AtomicInteger open = new AtomicInteger();
  private final Counter framesIn;
  private final Counter framesOut;
  private final Counter slowConsumers;
  private final Counter controlFloods;
  private final LongAccumulator peakQueued = new LongAccumulator(Math::max, 0);
  private final DistributionSummary slowConsumerQueued;
  private final Map<AuthFailure, Counter> authFailures = new EnumMap<>(AuthFailure.class);

  GatewayMeters(MeterRegistry meters) {
    Gauge.builder("warbler.gateway.connections", open, AtomicInteger::get)
        .description("Open WebSocket connections, authenticated or not")
        .register(meters);
    this.framesIn =
        Counter.builder("warbler.gateway.frames.in")
            .description("Data frames received from clients")
            .register(meters);
    this.framesOut =
        Counter.builder("warbler.gateway.frames.out")
            .description("Data frames sent to clients")
            .register(meters);
    this.slowConsumers =
        Counter.builder("warbler.gateway.slow.consumers")
            .description("Connections closed because their outbound queue was full")
            .register(meters);
    this.controlFloods =
        Counter.builder("warbler.gateway.control.floods")
            .description(
                "Connections closed with 1008 for sending WebSocket pings or pongs faster than"
                    + " limits.rate.control-per-second")
            .register(meters);
    Gauge.builder("warbler.gateway.direct.memory", () -> PlatformDependent.usedDirectMemory())
        .description(
            "Direct memory Netty has allocated (buffers of every connection); -1 when Netty"
                + " leaves the count to the JVM (jvm_buffer_memory_used_bytes)")
        .baseUnit("bytes")
        .register(meters);
    this.slowConsumerQueued =
        DistributionSummary.builder("warbler.gateway.slow.consumer.queued")
            .description("Outbound bytes queued for a slow consumer when it was closed")
            .baseUnit("bytes")
            .register(meters);
    for (AuthFailure reason : AuthFailure.values()) {
      authFailures.put(
          reason,
          Counter.builder("warbler.gateway.auth.failures")
              .description("Connections closed before or while authenticating")
              .tag("reason", reason.tag())
              .register(meters));
    }
  }

  /** A WebSocket upgrade completed. */
  void opened() {
    open.incrementAndGet();
  }

  /** An upgraded connection closed. */
  void closed() {
    open.decrementAndGet();
  }

  /** Open WebSocket connections, authenticated or not. */
  int open() {
    return open.get();
  }

  void frameIn() {
    framesIn.increment();
  }

  void frameOut() {
    framesOut.increment();
  }

  /** A slow consumer was closed with {@code queued} bytes in its outbound queue. */
  void slowConsumer(long queued) {
    slowConsumers.increment();
    slowConsumerQueued.record(queued);
  }

  /** A connection was closed for flooding control frames. */
  void controlFlood() {
    controlFloods.increment();
  }

  /** A frame was admitted and the connection's queue holds {@code bytes} with it. */
  void queued(long bytes) {
    peakQueued.accumulate(bytes);
  }

  /** The most any connection has had queued (admitted and not yet in the kernel). */
  long peakQueued() {
    return peakQueued.get();
  }

  void authFailed(AuthFailure reason) {
    authFailures.get(reason).increment();
  }
}
