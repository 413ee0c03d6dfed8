package dev.warbler.core;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Apps, users, groups and group membership. Writes are durable when the method returns. All methods
 * are thread-safe and may block on I/O.
 */
public interface DirectoryStore {

  /** Stores a new app; false if the id is taken. */
  boolean createApp(App app);

  Optional<App> app(String id);

  /** Replaces an app's API secret (the key that signs its user tokens); false if no such app. */
  boolean updateAppSecret(String id, String secret);

  List<App> apps();

  /** Stores a new user; false if the id is taken in that app. */
  boolean createUser(User user);

  Optional<User> user(String app, String id);

  /** Deletes a user and its group memberships; messages stay. False if there was none. */
  boolean deleteUser(String app, String id);

  /** Stores a group and its first members (the owner included); false if the id is taken. */
  boolean createGroup(Group group, Collection<String> members);

  Optional<Group> group(String app, String id);

  /** Adds members; returns those that were not members before. */
  List<String> addMembers(String app, String group, Collection<String> users);

  /** Removes members; returns those that were members. */
  List<String> removeMembers(String app, String group, Collection<String> users);

  /** Current members of a group, sorted by user id. */
  List<String> members(String app, String group);
}
