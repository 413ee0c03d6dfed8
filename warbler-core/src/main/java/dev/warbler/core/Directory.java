package dev.warbler.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Apps, users and groups: validation, permission rules and caches in front of the {@link
 * DirectoryStore}. Thread-safe; methods may block on the store.
 */
public final class Directory {
  /** Cached member lists and user lookups; a bound on memory, not on correctness. */
  public static final int CACHE_ENTRIES = 100_000;

  private record Key(String app, String id) {}

  private final DirectoryStore store;
  private final Sessions sessions;
  private final InstantSource clock;
  private final Limits limits;
  private final SecureRandom random = new SecureRandom();
  private final Cache<Key, List<String>> members =
      Caffeine.newBuilder().maximumSize(CACHE_ENTRIES).build();
  private final Cache<Key, Boolean> users =
      Caffeine.newBuilder().maximumSize(CACHE_ENTRIES).build();
  private final Cache<String, App> apps = Caffeine.newBuilder().maximumSize(10_000).build();

  public Directory(DirectoryStore store, Sessions sessions, InstantSource clock, Limits limits) {
    this.store = store;
    this.sessions = sessions;
    this.clock = clock;
    this.limits = limits;
  }

  public App createApp(String id, String name) {
    Ids.require("app", id);
    App app = new App(id, name.isBlank() ? id : name, newSecret(), clock.millis());
    if (!store.createApp(app)) {
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "app '" + id + "' already exists");
    }
    return app;
  }

  /** Creates the app unless it exists; returns the stored one either way. */
  public App ensureApp(String id, String name) {
    return findApp(id).orElseGet(() -> createApp(id, name));
  }

  public Optional<App> findApp(String id) {
    App cached = apps.getIfPresent(id);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<App> found = Ids.valid(id) ? store.app(id) : Optional.empty();
    found.ifPresent(a -> apps.put(id, a));
    return found;
  }

  public App app(String id) {
    return findApp(id)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.APP_NOT_FOUND, "app '" + Ids.clip(id) + "' does not exist"));
  }

  public List<App> apps() {
    return store.apps();
  }

  public User createUser(String app, String id, String name) {
    app(app);
    Ids.require("user", id);
    User user = new User(app, id, name, clock.millis());
    if (!store.createUser(user)) {
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "user '" + id + "' already exists");
    }
    users.put(new Key(app, id), true);
    return user;
  }

  public User user(String app, String id) {
    return store
        .user(app, id)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(id) + "' does not exist"));
  }

  public boolean userExists(String app, String id) {
    return Ids.valid(id)
        && users.get(new Key(app, id), k -> store.user(k.app(), k.id()).isPresent());
  }

  public void requireUser(String app, String id) {
    if (!userExists(app, id)) {
      throw new WarblerException(
          ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(id) + "' does not exist");
    }
  }

  /** Deletes a user, removes it from its groups and closes its connections. */
  public void deleteUser(String app, String id) {
    if (!store.deleteUser(app, id)) {
      throw new WarblerException(
          ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(id) + "' does not exist");
    }
    users.invalidate(new Key(app, id));
    members.invalidateAll();
    sessions.closeUser(app, id, CloseCode.USER_REMOVED, "user deleted");
  }

  public Group createGroup(String app, String id, String name, String owner, List<String> initial) {
    app(app);
    Ids.require("group", id);
    requireUser(app, owner);
    Set<String> all = new LinkedHashSet<>();
    all.add(owner);
    all.addAll(initial);
    checkUsers(app, all);
    checkSize(all.size());
    Group group = new Group(app, id, name.isBlank() ? id : name, owner, clock.millis());
    if (!store.createGroup(group, all)) {
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "group '" + id + "' already exists");
    }
    members.invalidate(new Key(app, id));
    return group;
  }

  public Group group(String app, String id) {
    return store
        .group(app, id)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.GROUP_NOT_FOUND, "group '" + Ids.clip(id) + "' does not exist"));
  }

  /** Current members, sorted; GROUP_NOT_FOUND if there is no such group. */
  public List<String> members(String app, String group) {
    List<String> list = members.getIfPresent(new Key(app, group));
    if (list != null) {
      return list;
    }
    group(app, group);
    List<String> loaded = List.copyOf(store.members(app, group));
    members.put(new Key(app, group), loaded);
    return loaded;
  }

  public boolean isMember(String app, String group, String user) {
    try {
      return members(app, group).contains(user);
    } catch (WarblerException e) {
      if (e.code() == ErrorCode.GROUP_NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Whether {@code user} may moderate the group (for example recall anyone's message): true for the
   * owner; false for other members, strangers and missing groups.
   */
  public boolean isGroupModerator(String app, String group, String user) {
    return store.group(app, group).map(g -> g.owner().equals(user)).orElse(false);
  }

  public List<String> addMembers(String app, String group, Collection<String> users) {
    group(app, group);
    Set<String> wanted = new LinkedHashSet<>(users);
    checkUsers(app, wanted);
    Set<String> after = new LinkedHashSet<>(members(app, group));
    after.addAll(wanted);
    checkSize(after.size());
    List<String> added = store.addMembers(app, group, wanted);
    members.invalidate(new Key(app, group));
    return added;
  }

  public List<String> removeMembers(String app, String group, Collection<String> users) {
    Group g = group(app, group);
    if (users.contains(g.owner())) {
      throw new WarblerException(
          ErrorCode.FORBIDDEN, "the owner '" + g.owner() + "' cannot be removed from the group");
    }
    List<String> removed = store.removeMembers(app, group, new ArrayList<>(users));
    members.invalidate(new Key(app, group));
    return removed;
  }

  private void checkUsers(String app, Collection<String> ids) {
    for (String u : ids) {
      Ids.require("user", u);
      requireUser(app, u);
    }
  }

  private void checkSize(int size) {
    if (size > limits.maxGroupMembers()) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "a group may have at most "
              + limits.maxGroupMembers()
              + " members (limits.max-group-members) but would have "
              + size);
    }
  }

  private String newSecret() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
