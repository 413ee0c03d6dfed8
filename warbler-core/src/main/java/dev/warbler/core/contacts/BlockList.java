package dev.warbler.core.contacts;

/** Who refuses direct messages from whom. Implementations are fast (cached) and thread-safe. */
@FunctionalInterface
public interface BlockList {
  /** True if {@code blocker} has blocked {@code sender}. */
  boolean blocks(String app, String blocker, String sender);
}
