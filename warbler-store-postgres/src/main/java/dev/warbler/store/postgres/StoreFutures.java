package dev.warbler.store.postgres;

import dev.warbler.core.WarblerException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** Waiting on a store future and turning SQL failures into catalog errors. */
final class StoreFutures {
  private StoreFutures() {}

  static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof WarblerException w) {
        throw w;
      }
      throw new IllegalStateException("store write failed", e.getCause());
    }
  }
}
