package dev.warbler.core.spi;

import java.util.List;

/**
 * Where encryption at rest keeps its state (ADR 0011): which apps encrypt new message bodies, and
 * each app's data keys, wrapped by a master key (never in clear). Writes are durable when the
 * method returns; thread-safe; may block on I/O.
 */
public interface DataKeyStore {

  /**
   * One data key of an app: {@code wrapped} is the AES-GCM wrap of the 256-bit key by the master
   * key whose fingerprint is {@code masterKeyId}.
   */
  record DataKey(String app, int version, byte[] wrapped, String masterKeyId, long createdAt) {}

  /** Whether the app encrypts new message bodies (false if never set). */
  boolean enabled(String app);

  void setEnabled(String app, boolean enabled, long at);

  /** The app's data keys, oldest version first. */
  List<DataKey> keys(String app);

  /** Every app's data keys (for rewrapping under a new master key). */
  List<DataKey> allKeys();

  /** Stores a new key version; false if the app already has that version. */
  boolean addKey(DataKey key);

  /** Replaces the wrapping of an existing key version (same key, new master key). */
  void rewrap(DataKey key);
}
