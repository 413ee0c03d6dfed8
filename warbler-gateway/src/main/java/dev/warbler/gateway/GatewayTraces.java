package dev.warbler.gateway;

import dev.warbler.core.messaging.AppendResult;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The gateway's spans: {@code send}, the root of a message's trace, from a {@code send} frame until
 * its append completed (the ack); and {@code push}, a pushed message handed to one connection, as a
 * child of whatever span is current where the push happens (the bus's {@code bus.deliver} on a node
 * that received the message, the {@code send} on the node that stored it). Without a configured
 * tracer provider nothing here allocates: each method runs its work directly.
 *
 * <p>Threading: shared by every connection; any thread.
 */
final class GatewayTraces {

  private final Tracer tracer;
  private final boolean on;

  GatewayTraces(OpenTelemetry telemetry) {
    this.on = telemetry.getTracerProvider() != TracerProvider.noop();
    this.tracer = telemetry.getTracer("dev.warbler.gateway");
  }

  /**
   * Runs {@code work} (a send) in a new {@code send} span that ends when its future completes; the
   * span is current while {@code work} runs, so the store and the bus see it as their parent.
   */
  CompletableFuture<AppendResult> send(
      Session session, Supplier<CompletableFuture<AppendResult>> work) {
    if (!on) {
      return work.get();
    }
    Span span =
        tracer
            .spanBuilder("send")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("warbler.transport", "websocket")
            .setAttribute("warbler.app", session.app())
            .setAttribute("warbler.user", session.user())
            .startSpan();
    CompletableFuture<AppendResult> result;
    try (Scope ignored = span.makeCurrent()) {
      result = work.get();
    } catch (RuntimeException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      span.end();
      throw e;
    }
    result.whenComplete((r, e) -> {
      if (e != null) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR);
      } else {
        span.setAttribute("warbler.conversation", r.message().conversation().toString());
        span.setAttribute("warbler.seq", r.message().seq());
        span.setAttribute("warbler.duplicate", r.duplicate());
      }
      span.end();
    });
    return result;
  }

  /**
   * Runs {@code push} (a message handed to {@code session}'s outbound queue) in a {@code push} span
   * when the current span is sampled; otherwise runs it directly.
   */
  void push(Session session, String conversation, long seq, Runnable push) {
    if (!on || !Span.current().getSpanContext().isSampled()) {
      push.run();
      return;
    }
    Span span =
        tracer
            .spanBuilder("push")
            .setSpanKind(SpanKind.INTERNAL)
            .setAttribute("warbler.app", session.app())
            .setAttribute("warbler.user", session.user())
            .setAttribute("warbler.session", session.id())
            .setAttribute("warbler.conversation", conversation)
            .setAttribute("warbler.seq", seq)
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      push.run();
    } finally {
      span.end();
    }
  }
}
