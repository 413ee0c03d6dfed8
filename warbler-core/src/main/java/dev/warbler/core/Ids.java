package dev.warbler.core;

import dev.warbler.protocol.ErrorCode;

/**
 * Rules for identifiers chosen by apps and clients. App, user and group ids are 1-64 characters of
 * {@code [A-Za-z0-9_.@-]}; the colon is reserved as the conversation id separator.
 */
public final class Ids {
  /** Longest app, user, group, client message or request id, in characters. */
  public static final int MAX_ID_LENGTH = 64;

  private Ids() {}

  public static boolean valid(String id) {
    // A loop, not ID.matcher: this runs several times per message on the hot path.
    int n = id.length();
    if (n == 0 || n > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == '@'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code id} or throws INVALID_ARGUMENT naming {@code field}. */
  public static String require(String field, String id) {
    if (!valid(id)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          field + " must be 1-64 characters of A-Z a-z 0-9 _ . @ - but was '" + clip(id) + "'");
    }
    return id;
  }

  /**
   * Client message ids: 1-64 characters of 0x21-0x7E, that is printable ASCII without the space.
   * The message names the field {@code clientMsgId}, as JSON and REST clients know it (see {@code
   * FieldNames} for the binary encoding).
   */
  public static String requireClientMsgId(String id) {
    if (!printableAscii(id)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "clientMsgId must be 1-64 characters of 0x21-0x7E (printable ASCII, no space) but was '"
              + clip(id)
              + "'");
    }
    return id;
  }

  private static boolean printableAscii(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code s} cut to 80 characters (and "..."), for quoting a client's input in an error message
   * without echoing an arbitrarily long one. Public for the core's packages; harmless to others.
   */
  public static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
