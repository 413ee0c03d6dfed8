package dev.warbler.gateway;

import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one connection's requests run and are answered. Every request is answered by exactly one
 * frame echoing its id: the result or {@code error}. Requests run concurrently on virtual threads,
 * so answers may come in any order; work given to {@link #inOrder} (sends, typing) runs one task
 * after another in the order received, so a connection's messages are stored in the order it sent
 * them. Domain failures carry their catalog code {code, name, message, retryable, retry_after_ms};
 * anything unexpected is INTERNAL with a generic message (details go to the server log). Past
 * {@link Gateway#MAX_IN_FLIGHT} unanswered requests the connection is not read until answers go out
 * (see {@link FrameHandler}).
 *
 * <p>Threading: the methods that start work ({@link #async}, {@link #answerAsync}, {@link
 * #notification}, {@link #inOrder}) are called on the event loop; the work runs on virtual threads,
 * which answer through {@link #respond} and {@link #errorFor}.
 */
final class Replies {
  private static final Logger log = LoggerFactory.getLogger(Replies.class);

  private final Link link;
  private final Outbound out;
  private final ExecutorService blocking;
  private final Audit audit;

  /** Reconsiders whether the socket is read (FrameHandler's read policy); event loop only. */
  private final Runnable readPolicy;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Runnable> ordered = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();

  Replies(Link link, Outbound out, ExecutorService blocking, Audit audit, Runnable readPolicy) {
    this.link = link;
    this.out = out;
    this.blocking = blocking;
    this.audit = audit;
    this.readPolicy = readPolicy;
  }

  /** Requests started and not answered yet. */
  int inFlight() {
    return inFlight.get();
  }

  /** Runs {@code work} on a virtual thread and answers with its result or its error. */
  void async(String id, Supplier<ServerFrame.Builder> work) {
    started();
    try {
      blocking.execute(() -> {
        ServerFrame answer;
        try {
          answer = work.get().setId(id).build();
        } catch (RuntimeException e) {
          answer = errorFor(id, e);
        }
        respond(answer);
        finished();
      });
    } catch (RejectedExecutionException e) {
      finished();
      out.write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
    }
  }

  /** Runs {@code work} on a virtual thread; it writes its own answer, a failure is answered. */
  void answerAsync(String id, Runnable work) {
    started();
    try {
      blocking.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException e) {
          respond(errorFor(id, e));
        }
        finished();
      });
    } catch (RejectedExecutionException e) {
      finished();
      out.write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
    }
  }

  /**
   * Runs a notification ({@code delivered}, {@code typing}) on a virtual thread; {@code ordered}
   * ones queue behind this connection's sends (and each other), so that a typing stop never
   * overtakes its start. It is answered like a request when it carries an id; without one, only an
   * error is sent (with an empty id), and only if {@code reportWithoutId} says so.
   */
  void notification(
      String id,
      boolean ordered,
      Supplier<ServerFrame.Builder> work,
      Predicate<WarblerException> reportWithoutId) {
    Runnable task =
        () -> {
          try {
            ServerFrame.Builder answer = work.get();
            if (!id.isEmpty()) {
              respond(answer.setId(id).build());
            }
          } catch (RuntimeException e) {
            if (!id.isEmpty()
                || !(cause(e) instanceof WarblerException w)
                || reportWithoutId.test(w)) {
              respond(errorFor(id, e));
            }
          }
          finished();
        };
    started();
    if (ordered) {
      this.ordered.add(task);
      drain();
      return;
    }
    try {
      blocking.execute(task);
    } catch (RejectedExecutionException e) {
      finished();
      if (!id.isEmpty()) {
        out.write(Frames.error(id, ErrorCode.UNAVAILABLE, "the server is shutting down", 0));
      }
    }
  }

  /**
   * Runs {@code work} after the connection's earlier ordered work (on a virtual thread, since it
   * may read the store) and answers with {@code answer} of its result once that completes, without
   * holding up the next: sends are stored in the order received and acked when durable.
   */
  <T> void inOrder(
      String id, Supplier<CompletableFuture<T>> work, Function<T, ServerFrame.Builder> answer) {
    started();
    ordered.add(() -> {
      CompletableFuture<T> result;
      try {
        result = work.get();
      } catch (RuntimeException e) {
        result = CompletableFuture.failedFuture(e);
      }
      result.whenComplete((r, e) -> {
        respond(e == null ? answer.apply(r).setId(id).build() : errorFor(id, e));
        finished();
      });
    });
    drain();
  }

  private void drain() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      blocking.execute(this::runOrdered);
    } catch (RejectedExecutionException e) {
      running.set(false);
      ordered.clear();
    }
  }

  private void runOrdered() {
    do {
      Runnable next;
      while ((next = ordered.poll()) != null) {
        next.run();
      }
      running.set(false);
    } while (!ordered.isEmpty() && running.compareAndSet(false, true));
  }

  /** Any thread: writes an answer unless the connection is closing. */
  void respond(ServerFrame frame) {
    out.respond(frame);
  }

  /** Event loop: writes a frame now (an answer that needs no work). */
  void now(ServerFrame frame) {
    out.write(frame);
  }

  /** Whether the connection is closing. */
  boolean closing() {
    return link.closing();
  }

  /** The client's address, for the audit log. */
  String remoteIp() {
    return link.remoteIp();
  }

  static Throwable cause(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /**
   * The {@code error} answer to a failed request: its catalog code for a domain failure (a
   * permission denial is audited, coalesced), INTERNAL with a generic message otherwise.
   */
  ServerFrame errorFor(String id, Throwable failure) {
    Throwable cause = cause(failure);
    if (cause instanceof WarblerException e) {
      log.debug("request {} from {} failed: {} {}", id, link.remote(), e.code(), e.getMessage());
      Session s = link.session();
      if (s != null && Audit.isPermissionDenial(e.code())) {
        audit.failure(
            s.app(),
            Audit.user(s.user()),
            link.remoteIp(),
            Audit.ACCESS_DENIED,
            "",
            AuditEvent.DENIED,
            e.code().name());
      }
      return Frames.error(id, e);
    }
    log.warn("request {} from {} failed unexpectedly", id, link.remote(), cause);
    return Frames.error(id, ErrorCode.INTERNAL, "internal error", 0);
  }

  private void started() {
    inFlight.incrementAndGet();
    readPolicy.run();
  }

  /** Any thread: one request answered; resumes reading when it was paused for in-flight work. */
  private void finished() {
    if (inFlight.decrementAndGet() == Gateway.MAX_IN_FLIGHT - 1) {
      link.onLoop(readPolicy);
    }
  }
}
