package dev.warbler.core.directory;

import java.util.List;
import java.util.Optional;

/** One page of an app's users, ordered by id; {@code nextCursor} is empty at the end. */
public record ProfilePage(List<UserProfile> items, Optional<String> nextCursor) {
  public ProfilePage {
    items = List.copyOf(items);
  }
}
