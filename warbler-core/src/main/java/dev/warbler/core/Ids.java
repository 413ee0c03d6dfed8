package dev.warbler.core;

import dev.warbler.protocol.ErrorCode;
import java.util.regex.Pattern;

/**
 * Rules for identifiers chosen by apps and clients. App, user and group ids are 1-64 characters of
 * {@code [A-Za-z0-9_.@-]}; the colon is reserved as the conversation id separator.
 */
public final class Ids {
  /** Longest app, user, group, client message or request id, in characters. */
  public static final int MAX_ID_LENGTH = 64;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final Pattern CLIENT_ID = Pattern.compile("[\\x21-\\x7e]{1,64}");

  private Ids() {}

  public static boolean valid(String id) {
    return ID.matcher(id).matches();
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

  /** Client message ids: 1-64 printable ASCII characters without spaces. */
  public static String requireClientMsgId(String id) {
    if (!CLIENT_ID.matcher(id).matches()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "client_msg_id must be 1-64 printable ASCII characters but was '" + clip(id) + "'");
    }
    return id;
  }

  static String clip(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
