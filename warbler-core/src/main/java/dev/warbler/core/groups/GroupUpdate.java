package dev.warbler.core.groups;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A partial change of a group's profile and settings: only the fields set are changed. Build one
 * with {@link #builder()}; immutable.
 */
public final class GroupUpdate {
  private final @Nullable String name;
  private final @Nullable String avatarUrl;
  private final @Nullable String description;
  private final @Nullable String custom;
  private final @Nullable Boolean muteAll;
  private final @Nullable JoinPolicy joinPolicy;
  private final @Nullable InvitePolicy invitePolicy;

  private GroupUpdate(Builder b) {
    this.name = b.name;
    this.avatarUrl = b.avatarUrl;
    this.description = b.description;
    this.custom = b.custom;
    this.muteAll = b.muteAll;
    this.joinPolicy = b.joinPolicy;
    this.invitePolicy = b.invitePolicy;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  public Optional<String> avatarUrl() {
    return Optional.ofNullable(avatarUrl);
  }

  public Optional<String> description() {
    return Optional.ofNullable(description);
  }

  /** A JSON object as text, or empty to clear it. */
  public Optional<String> custom() {
    return Optional.ofNullable(custom);
  }

  public Optional<Boolean> muteAll() {
    return Optional.ofNullable(muteAll);
  }

  public Optional<JoinPolicy> joinPolicy() {
    return Optional.ofNullable(joinPolicy);
  }

  public Optional<InvitePolicy> invitePolicy() {
    return Optional.ofNullable(invitePolicy);
  }

  /** True when no field is set. */
  public boolean isEmpty() {
    return fields().isEmpty();
  }

  /** The JSON names of the fields set, in a fixed order. */
  public List<String> fields() {
    List<String> f = new ArrayList<>();
    if (name != null) {
      f.add("name");
    }
    if (avatarUrl != null) {
      f.add("avatarUrl");
    }
    if (description != null) {
      f.add("description");
    }
    if (custom != null) {
      f.add("custom");
    }
    if (muteAll != null) {
      f.add("muteAll");
    }
    if (joinPolicy != null) {
      f.add("joinPolicy");
    }
    if (invitePolicy != null) {
      f.add("invitePolicy");
    }
    return f;
  }

  /** Builds a {@link GroupUpdate}; not thread-safe. */
  public static final class Builder {
    private @Nullable String name;
    private @Nullable String avatarUrl;
    private @Nullable String description;
    private @Nullable String custom;
    private @Nullable Boolean muteAll;
    private @Nullable JoinPolicy joinPolicy;
    private @Nullable InvitePolicy invitePolicy;

    private Builder() {}

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder avatarUrl(String avatarUrl) {
      this.avatarUrl = avatarUrl;
      return this;
    }

    public Builder description(String description) {
      this.description = description;
      return this;
    }

    public Builder custom(String custom) {
      this.custom = custom;
      return this;
    }

    public Builder muteAll(boolean muteAll) {
      this.muteAll = muteAll;
      return this;
    }

    public Builder joinPolicy(JoinPolicy joinPolicy) {
      this.joinPolicy = joinPolicy;
      return this;
    }

    public Builder invitePolicy(InvitePolicy invitePolicy) {
      this.invitePolicy = invitePolicy;
      return this;
    }

    public GroupUpdate build() {
      return new GroupUpdate(this);
    }
  }
}
