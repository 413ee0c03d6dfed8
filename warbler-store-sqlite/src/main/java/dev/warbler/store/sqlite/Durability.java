package dev.warbler.store.sqlite;

/**
 * How hard each commit pushes data to disk ({@code store.sqlite.durability}). The default, FULL,
 * fsyncs the write-ahead log on every batch commit before any send in the batch is acked.
 */
public enum Durability {
  /** fsync per commit: an acked message survives a process crash and a power loss. */
  FULL,
  /** fsync at checkpoints only: survives a process crash; a power loss may drop recent acks. */
  NORMAL,
  /**
   * no fsync: for benchmarks and throwaway data; a power loss may corrupt nothing but lose much.
   */
  OFF
}
