package dev.warbler.core;

/** Who refuses direct messages from whom. Implementations are fast (cached) and thread-safe. */
@FunctionalInterface
public interface BlockList {
  /** Blocks nobody. */
  BlockList NONE = (app, blocker, sender) -> false;

  /** True if {@code blocker} has blocked {@code sender}. */
  boolean blocks(String app, String blocker, String sender);
}
