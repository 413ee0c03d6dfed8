package dev.warbler.core;

import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The opaque cursors of paginated lists (receipts, users): the last id of a page, encoded so that
 * clients treat it as a token, not as something to build. Every list of the API pages the same way:
 * pass the cursor back to get the next page; an absent cursor means the end.
 */
public final class PageCursor {
  private PageCursor() {}

  /** The cursor that continues after {@code lastId}. */
  public static String after(String lastId) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(lastId.getBytes(StandardCharsets.UTF_8));
  }

  /** The id a cursor continues after; empty for an empty cursor; INVALID_ARGUMENT if forged. */
  public static String decode(String cursor) {
    if (cursor.isEmpty()) {
      return "";
    }
    try {
      String id = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (Ids.valid(id)) {
        return id;
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw new WarblerException(
        ErrorCode.INVALID_ARGUMENT,
        "cursor '" + Ids.clip(cursor) + "' is not one this server handed out");
  }

  /**
   * A requested page size: 0 means {@code fallback}; capped at {@code max}; negative is invalid.
   */
  public static int limit(int requested, int fallback, int max) {
    if (requested < 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "limit must be >= 0");
    }
    return requested == 0 ? Math.min(fallback, max) : Math.min(requested, max);
  }
}
