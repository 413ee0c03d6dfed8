package dev.warbler.core;

import java.util.List;

/**
 * One page of a list that is read with an opaque cursor: pass {@code nextCursor} to read the next
 * page; it is empty on the last page.
 */
public record CursorPage<T>(List<T> items, String nextCursor) {
  public CursorPage {
    items = List.copyOf(items);
  }

  public boolean hasMore() {
    return !nextCursor.isEmpty();
  }
}
