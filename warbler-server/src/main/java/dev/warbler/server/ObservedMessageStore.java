package dev.warbler.server;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The message store as the {@code Messenger} sees it: every append timed ({@code
 * warbler.store.append}, from the call to the completion of its future: queueing, the batch's
 * commit and fsync), and, inside a sampled span, traced as a {@code store.append} child span.
 *
 * <p>The store completes appends on its writer thread, where the sender's span is not current. So a
 * traced append returns a future of its own, completed from the store's with the caller's {@link
 * Context} made current: the {@code Messenger}'s continuation (the publish onto the bus) runs in
 * the sender's trace and the bus carries it to other nodes. Completion order, thread and results
 * are the store's: seq order per conversation holds (see {@link MessageStore}). Reads pass through.
 */
final class ObservedMessageStore implements MessageStore {
  private final MessageStore store;
  private final Timer appends;
  private final Tracer tracer;

  ObservedMessageStore(MessageStore store, MeterRegistry meters, OpenTelemetry telemetry) {
    this.store = store;
    this.appends =
        Timer.builder("warbler.store.append")
            .description(
                "Time from a message's append to its durable commit (queue, batch, commit, fsync)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(meters);
    this.tracer = telemetry.getTracer("dev.warbler.server");
  }

  @Override
  public CompletableFuture<AppendResult> append(NewMessage message) {
    long start = System.nanoTime();
    Context caller = Context.current();
    if (!Span.fromContext(caller).getSpanContext().isSampled()) {
      CompletableFuture<AppendResult> f = store.append(message);
      f.whenComplete((r, e) -> appends.record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
      return f;
    }
    Span span =
        tracer
            .spanBuilder("store.append")
            .setParent(caller)
            .setSpanKind(SpanKind.CLIENT)
            .setAttribute("warbler.app", message.app())
            .setAttribute("warbler.conversation", message.conversation().toString())
            .startSpan();
    CompletableFuture<AppendResult> inner;
    try (Scope ignored = caller.with(span).makeCurrent()) {
      inner = store.append(message);
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      span.end();
      throw e;
    }
    CompletableFuture<AppendResult> outer = new CompletableFuture<>();
    inner.whenComplete((r, e) -> {
      appends.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (e != null) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR);
      } else {
        span.setAttribute("warbler.seq", r.message().seq());
        span.setAttribute("warbler.duplicate", r.duplicate());
      }
      span.end();
      // The caller's continuations (the publish) run here, on the store's thread, in its trace.
      try (Scope ignored = caller.makeCurrent()) {
        if (e != null) {
          outer.completeExceptionally(e);
        } else {
          outer.complete(r);
        }
      }
    });
    return outer;
  }

  @Override
  public Optional<ChatMessage> message(String app, ConversationId conversation, long seq) {
    return store.message(app, conversation, seq);
  }

  @Override
  public MessagePage after(String app, ConversationId conversation, long afterSeq, int limit) {
    return store.after(app, conversation, afterSeq, limit);
  }

  @Override
  public MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit) {
    return store.before(app, conversation, beforeSeq, limit);
  }

  @Override
  public SyncPage changedSince(String app, String user, long cursor, int limit) {
    return store.changedSince(app, user, cursor, limit);
  }

  @Override
  public Optional<ConversationState> state(String app, String user, ConversationId conversation) {
    return store.state(app, user, conversation);
  }

  @Override
  public Optional<ConversationState> markRead(
      String app, String user, ConversationId conversation, long seq) {
    return store.markRead(app, user, conversation, seq);
  }
}
