package dev.warbler.core.spi;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.UserProfile;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * User profiles (name, avatar URL, custom JSON) and last-seen times, beside the users of the {@link
 * DirectoryStore}. Writes are durable when they return (or their future completes). Thread-safe;
 * reads and {@link #updateProfile} may block on I/O, {@link #recordLastSeen} never blocks.
 */
public interface ProfileStore {

  Optional<UserProfile> profile(String app, String user);

  /**
   * Replaces the user's profile with {@code change} applied to the stored one, atomically (no
   * update is lost to a concurrent one). {@code change} runs on the store's writer: it must be pure
   * and quick. Only name, avatar URL and custom are written. Empty if there is no such user.
   */
  Optional<UserProfile> updateProfile(String app, String user, UnaryOperator<UserProfile> change);

  /** The app's users whose id sorts after {@code afterUser} (empty = from the first), by id. */
  List<UserProfile> profiles(String app, String afterUser, int limit);

  /** Last-seen times of those of {@code users} that exist and were ever seen. */
  Map<String, Long> lastSeen(String app, Collection<String> users);

  /**
   * Sets the user's last-seen time (if the user exists) without waiting for the write. The future
   * completes once durable, with whether the user exists; it fails with {@link WarblerException}
   * (UNAVAILABLE) when the store is overloaded or closed.
   */
  CompletableFuture<Boolean> recordLastSeen(String app, String user, long millis);
}
