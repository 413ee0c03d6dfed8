package dev.warbler.core.spi;

import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import java.util.List;
import java.util.Optional;

/**
 * Apps and users. Writes are durable when the method returns. All methods are thread-safe and may
 * block on I/O. Groups and their members are the {@link GroupStore}'s.
 */
public interface DirectoryStore {

  /** Stores a new app; false if the id is taken. */
  boolean createApp(App app);

  Optional<App> app(String id);

  /** Replaces an app's API secret (the key that signs its user tokens); false if no such app. */
  boolean updateAppSecret(String id, String secret);

  List<App> apps();

  /**
   * Stores a new user; false if the id is taken in that app or retired ({@link #retired}). Atomic
   * with {@link #deleteUser}: once a delete returned, no create of that id succeeds, however the
   * two raced.
   */
  boolean createUser(User user);

  Optional<User> user(String app, String id);

  /**
   * Deletes a user and retires its id in the same transaction (ADR 0014), as of {@code deletedAt}
   * (epoch ms): the id is never created again in that app. Erases the user's data with it: its
   * profile, its member rows of every conversation (group memberships, and its read positions and
   * settings of direct and system conversations; the conversations move in the others' sync order),
   * friendships, blocks and friend requests both ways, its group join requests and group bans, the
   * messages it hid for itself, its app-wide access state (ban, token cut-off) and its revoked
   * tokens. Kept, as the other members' history: the messages (with its id as sender), mentions and
   * reactions, and the conversations themselves; usage counts and the audit log are kept too. False
   * if there was no such user (nothing is retired then).
   */
  boolean deleteUser(String app, String id, long deletedAt);

  /** True if {@code id} belonged to a user of {@code app} that was deleted. */
  boolean retired(String app, String id);
}
