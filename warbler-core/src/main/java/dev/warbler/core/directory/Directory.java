package dev.warbler.core.directory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.groups.Group;
import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.Event;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Apps, users and groups: validation, permission rules and caches in front of the {@link
 * DirectoryStore}; group rules and commands live in {@link GroupAdmin}, which the group methods
 * here delegate to. Thread-safe; methods may block on the store.
 *
 * <p>A user id is used once (ADR 0014): {@link #deleteUser} erases the user's data and retires its
 * id, and {@link #createUser} refuses a retired id with USER_ID_RETIRED, so nothing of a deleted
 * account (conversations, messages, tokens minted by the app backend, settings) ever reaches a
 * later one.
 */
public final class Directory {
  /** Cached user lookups; a bound on memory, not on correctness. */
  public static final int CACHE_ENTRIES = 100_000;

  private record Key(String app, String id) {}

  private final DirectoryStore store;
  private final GroupAdmin groups;
  private final Publisher publisher;
  private final InstantSource clock;
  private final int maxProfileBytes;
  private final SecureRandom random = new SecureRandom();
  private final Cache<Key, Boolean> users =
      Caffeine.newBuilder().maximumSize(CACHE_ENTRIES).build();
  private final Cache<String, App> apps = Caffeine.newBuilder().maximumSize(10_000).build();

  /**
   * @param maxProfileBytes largest profile of a new user ({@code limits.max-profile-bytes}), as
   *     {@link Profiles} enforces it on updates
   */
  public Directory(
      DirectoryStore store,
      GroupAdmin groups,
      Bus bus,
      Publisher publisher,
      InstantSource clock,
      int maxProfileBytes) {
    if (maxProfileBytes <= 0) {
      throw new IllegalArgumentException(
          "max profile bytes must be positive but was " + maxProfileBytes);
    }
    this.store = store;
    this.groups = groups;
    this.publisher = publisher;
    this.clock = clock;
    this.maxProfileBytes = maxProfileBytes;
    bus.subscribe(Topic.nodes(), this::heard);
  }

  /** Forgets cached apps and users that a change on any node, this one included, made stale. */
  private void heard(Event event) {
    switch (event) {
      case Event.AppChanged a -> apps.invalidate(a.app());
      case Event.UserChanged u -> users.invalidate(new Key(u.app(), u.user()));
      case Event.UserDeleted d -> users.invalidate(new Key(d.app(), d.user()));
      default -> {}
    }
  }

  public App createApp(String id, String name) {
    Ids.require("app", id);
    App app = new App(id, name.isBlank() ? id : name, newSecret(), clock.millis());
    if (!store.createApp(app)) {
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "app '" + id + "' already exists");
    }
    return app;
  }

  /**
   * Gives the app a new random API secret and returns the app with it. The old secret stops working
   * at once, for REST calls and for verifying user tokens it signed; connections that authenticated
   * before stay open unless {@code endSessions}, which closes them with 4106 (for a secret that
   * leaked: tokens minted with it may be in use).
   */
  public App rotateSecret(String id, boolean endSessions) {
    App old = app(id);
    App rotated = new App(old.id(), old.name(), newSecret(), old.createdAt());
    if (!store.updateAppSecret(id, rotated.secret())) {
      throw new WarblerException(
          ErrorCode.APP_NOT_FOUND, "app '" + Ids.clip(id) + "' does not exist");
    }
    publisher.publish(new Event.AppChanged(id));
    if (endSessions) {
      publisher.publish(
          new Event.CloseSessions(id, "", "", CloseCode.TOKEN_REVOKED, "app secret rotated"));
    }
    return rotated;
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

  /**
   * Creates a user named {@code name} (empty: the id). The name follows the profile rules of {@link
   * Profiles#update}: not blank, and within {@code limits.max-profile-bytes} with the empty avatar
   * and custom {@code {}} it starts with (INVALID_ARGUMENT, LIMIT_EXCEEDED). ALREADY_EXISTS for a
   * taken id, USER_ID_RETIRED for the id of a deleted user.
   */
  public User createUser(String app, String id, String name) {
    app(app);
    Ids.require("user", id);
    String named = name.isEmpty() ? id : name;
    Profiles.checkNew(named, maxProfileBytes);
    User user = new User(app, id, named, clock.millis());
    if (!store.createUser(user)) {
      // Retirement is final, so asking after the failed insert cannot give a wrong answer.
      if (store.retired(app, id)) {
        throw retiredId(id);
      }
      throw new WarblerException(ErrorCode.ALREADY_EXISTS, "user '" + id + "' already exists");
    }
    publisher.publish(new Event.UserChanged(app, id));
    // Known to exist here without a read; other nodes forget a "no such user" they cached.
    users.put(new Key(app, id), true);
    return user;
  }

  /** True if {@code id} belonged to a user of {@code app} that was deleted (ADR 0014). */
  public boolean retired(String app, String id) {
    return Ids.valid(id) && store.retired(app, id);
  }

  /**
   * Fails unless the user exists, telling a deleted user (USER_ID_RETIRED: the account is gone for
   * good, do not retry) from one that never existed (USER_NOT_FOUND). For issuing and accepting
   * credentials, where the caller must learn which; costs a store read only when it fails.
   */
  public void requireUserForCredentials(String app, String id) {
    if (!userExists(app, id)) {
      throw retired(app, id) ? retiredId(id) : notFound(id);
    }
  }

  private static WarblerException retiredId(String id) {
    return new WarblerException(
        ErrorCode.USER_ID_RETIRED,
        "user '" + Ids.clip(id) + "' was deleted; its id is never used again");
  }

  private static WarblerException notFound(String id) {
    return new WarblerException(
        ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(id) + "' does not exist");
  }

  public User user(String app, String id) {
    return store.user(app, id).orElseThrow(() -> notFound(id));
  }

  public boolean userExists(String app, String id) {
    return Ids.valid(id)
        && users.get(new Key(app, id), k -> store.user(k.app(), k.id()).isPresent());
  }

  public void requireUser(String app, String id) {
    if (!userExists(app, id)) {
      throw notFound(id);
    }
  }

  /**
   * Deletes a user for good (see {@link DirectoryStore#deleteUser}: its data is erased and its id
   * retired), then publishes {@link Event.UserDeleted}: every node forgets it in its caches and
   * closes its connections with {@link CloseCode#USER_REMOVED}, refusing those that were
   * authenticating at that moment. USER_NOT_FOUND if there is no such user.
   */
  public void deleteUser(String app, String id) {
    if (!Ids.valid(id) || !store.deleteUser(app, id, clock.millis())) {
      throw notFound(id);
    }
    publisher.publish(new Event.UserDeleted(app, id));
  }

  /**
   * Creates a group as the app backend, owned by {@code owner}; see {@link GroupAdmin#create}. A
   * blank name becomes the id.
   */
  public Group createGroup(String app, String id, String name, String owner, List<String> initial) {
    return groups
        .create(app, id, GroupAdmin.BACKEND, owner, initial, GroupProfile.named(name))
        .group();
  }

  /** A live group; GROUP_NOT_FOUND if it does not exist or was deleted. */
  public Group group(String app, String id) {
    return groups.group(app, id);
  }

  /**
   * Current members as a hash set (cached; an unmodifiable live view); GROUP_NOT_FOUND if there is
   * no such group. Members of a deleted group are kept: they may still read it.
   */
  public Set<String> members(String app, String group) {
    return groups.members(app, group);
  }

  public boolean isMember(String app, String group, String user) {
    return groups.isMember(app, group, user);
  }

  /** The user's role in a live group; empty for non-members and missing or deleted groups. */
  public Optional<GroupRole> role(String app, String group, String user) {
    return groups.role(app, group, user);
  }

  /** The group rules and commands. */
  public GroupAdmin groups() {
    return groups;
  }

  /**
   * Whether {@code user} may moderate the live group (for example recall anyone's message): true
   * for the owner and admins; false for plain members, strangers and missing or deleted groups.
   */
  public boolean isGroupModerator(String app, String group, String user) {
    return role(app, group, user).map(r -> r.rank() >= GroupRole.ADMIN.rank()).orElse(false);
  }

  /** Adds members as the app backend; returns those that were not members. */
  public List<String> addMembers(String app, String group, Collection<String> users) {
    return groups.invite(app, group, GroupAdmin.BACKEND, users).users();
  }

  /** Removes members as the app backend (not the owner); returns those that were members. */
  public List<String> removeMembers(String app, String group, Collection<String> users) {
    return groups.kick(app, group, GroupAdmin.BACKEND, users).users();
  }

  private String newSecret() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
