package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.protocol.v1.ServerFrame;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One request of an authenticated connection, as a capability handler gets it: the id its answer
 * echoes, the session that sent it, and the connection's {@link Replies}. Made on the event loop,
 * after the rate limits let the request through.
 */
record Request(String id, Session session, Replies replies) {

  /** The user the request acts as. */
  Principal who() {
    return session.principal();
  }

  /** Runs {@code work} on a virtual thread and answers with its result or its error. */
  void async(Supplier<ServerFrame.Builder> work) {
    replies.async(id, work);
  }

  /** Runs {@code work} on a virtual thread; it writes its own answer, a failure is answered. */
  void answerAsync(Runnable work) {
    replies.answerAsync(id, work);
  }

  /** See {@link Replies#notification}. */
  void notification(
      boolean ordered,
      Supplier<ServerFrame.Builder> work,
      Predicate<WarblerException> reportWithoutId) {
    replies.notification(id, ordered, work, reportWithoutId);
  }

  /** See {@link Replies#inOrder}. */
  <T> void inOrder(Supplier<CompletableFuture<T>> work, Function<T, ServerFrame.Builder> answer) {
    replies.inOrder(id, work, answer);
  }

  /** Any thread: answers with {@code answer} (the id is set here). */
  void respond(ServerFrame.Builder answer) {
    replies.respond(answer.setId(id).build());
  }

  /** Event loop: refuses the request at once, before any work. */
  void refuse(WarblerException e) {
    replies.now(Frames.error(id, e));
  }
}
