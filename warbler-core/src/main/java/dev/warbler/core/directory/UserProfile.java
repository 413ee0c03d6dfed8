package dev.warbler.core.directory;

/**
 * A user with its profile: display {@code name}, {@code avatarUrl} (empty when none), {@code
 * custom} (an app-defined JSON object, {@code {}} when none) and {@code lastSeen} (epoch
 * milliseconds when its last connection closed; 0 when never seen).
 */
public record UserProfile(
    String app,
    String id,
    String name,
    String avatarUrl,
    String custom,
    long createdAt,
    long lastSeen) {

  public UserProfile withName(String name) {
    return new UserProfile(app, id, name, avatarUrl, custom, createdAt, lastSeen);
  }

  public UserProfile withAvatarUrl(String avatarUrl) {
    return new UserProfile(app, id, name, avatarUrl, custom, createdAt, lastSeen);
  }

  public UserProfile withCustom(String custom) {
    return new UserProfile(app, id, name, avatarUrl, custom, createdAt, lastSeen);
  }
}
