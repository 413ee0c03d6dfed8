package dev.warbler.core.groups;

import java.util.List;
import java.util.Optional;

/**
 * One page of a group listing (members, join requests), ordered by user id. {@code nextCursor} is
 * present when more items follow: pass it as the cursor of the next request.
 */
public record GroupPage<T>(List<T> items, Optional<String> nextCursor) {
  public GroupPage {
    items = List.copyOf(items);
  }
}
