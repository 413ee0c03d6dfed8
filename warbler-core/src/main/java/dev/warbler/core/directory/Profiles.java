package dev.warbler.core.directory;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.core.Ids;
import dev.warbler.core.PageCursor;
import dev.warbler.core.WarblerException;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.state.StateLimits;
import dev.warbler.protocol.ErrorCode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * User profiles: display name, avatar URL and custom JSON, with validation, and the app's user list
 * page by page. Thread-safe; methods may block on the store.
 */
public final class Profiles {
  /** Page size when a caller asks for none. */
  static final int DEFAULT_PAGE = 50;

  private final ProfileStore store;
  private final StateLimits limits;

  public Profiles(ProfileStore store, StateLimits limits) {
    this.store = store;
    this.limits = limits;
  }

  /** The user's profile; USER_NOT_FOUND if there is none. */
  public UserProfile profile(String app, String user) {
    return (Ids.valid(user) ? store.profile(app, user) : Optional.<UserProfile>empty())
        .orElseThrow(() -> notFound(user));
  }

  /**
   * Applies {@code changes} to the user's profile and returns the result. INVALID_ARGUMENT for a
   * blank name, a URL that is not http(s) or custom JSON that is not an object; LIMIT_EXCEEDED when
   * name, URL and custom together exceed {@link StateLimits#maxProfileBytes}; USER_NOT_FOUND.
   */
  public UserProfile update(String app, String user, List<ProfileChange> changes) {
    Ids.require("user", user);
    for (ProfileChange c : changes) {
      check(c);
    }
    UnaryOperator<UserProfile> apply =
        p -> {
          UserProfile next = p;
          for (ProfileChange c : changes) {
            next =
                switch (c) {
                  case ProfileChange.Name n -> next.withName(n.name());
                  case ProfileChange.AvatarUrl a -> next.withAvatarUrl(a.url());
                  case ProfileChange.Custom j -> next.withCustom(j.json());
                };
          }
          checkSize(next, limits.maxProfileBytes());
          return next;
        };
    return store.updateProfile(app, user, apply).orElseThrow(() -> notFound(user));
  }

  /** One page of the app's users by id; see {@link PageCursor} for cursors and limits. */
  public ProfilePage list(String app, String cursor, int limit) {
    String after = PageCursor.decode(cursor);
    int size = PageCursor.limit(limit, DEFAULT_PAGE, limits.listPageMax());
    List<UserProfile> found = store.profiles(app, after, size + 1);
    if (found.size() <= size) {
      return new ProfilePage(found, Optional.empty());
    }
    List<UserProfile> page = found.subList(0, size);
    return new ProfilePage(page, Optional.of(PageCursor.after(page.getLast().id())));
  }

  /**
   * Checks the profile a new user starts with, by the rules of {@link #update}: {@code name} (not
   * blank), no avatar and custom {@code {}} within {@code maxProfileBytes}. INVALID_ARGUMENT or
   * LIMIT_EXCEEDED.
   */
  static void checkNew(String name, int maxProfileBytes) {
    check(new ProfileChange.Name(name));
    checkSize(new UserProfile("", "", name, "", "{}", 0, 0), maxProfileBytes);
  }

  private static void checkSize(UserProfile p, int maxProfileBytes) {
    int bytes = bytes(p);
    if (bytes > maxProfileBytes) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "name, avatarUrl and custom would take "
              + bytes
              + " bytes; the limit (limits.max-profile-bytes) is "
              + maxProfileBytes);
    }
  }

  private static void check(ProfileChange change) {
    switch (change) {
      case ProfileChange.Name n -> {
        if (n.name().isBlank()) {
          throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "name must not be blank");
        }
      }
      case ProfileChange.AvatarUrl a -> checkUrl(a.url());
      case ProfileChange.Custom j -> checkObject(j.json());
    }
  }

  private static void checkUrl(String url) {
    if (url.isEmpty()) {
      return;
    }
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return;
      }
    } catch (URISyntaxException e) {
      // fall through
    }
    throw new WarblerException(
        ErrorCode.INVALID_ARGUMENT,
        "avatarUrl must be an http(s) URL or empty but was '" + Ids.clip(url) + "'");
  }

  private static void checkObject(String json) {
    try {
      JsonFormat.parser().merge(json, Struct.newBuilder());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object");
    }
  }

  private static int bytes(UserProfile p) {
    return p.name().getBytes(StandardCharsets.UTF_8).length
        + p.avatarUrl().getBytes(StandardCharsets.UTF_8).length
        + p.custom().getBytes(StandardCharsets.UTF_8).length;
  }

  private static WarblerException notFound(String user) {
    return new WarblerException(
        ErrorCode.USER_NOT_FOUND, "user '" + Ids.clip(user) + "' does not exist");
  }
}
