package dev.warbler.core.messaging;

import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.chatrooms.Chatrooms;
import dev.warbler.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;

/**
 * A conversation within an app. Its string form is stable and public: {@code d:ALICE:BOB} for a
 * direct conversation (the two user ids sorted), {@code g:GROUP} for a group, {@code s:USER} for
 * the system notifications a backend sends to one user, and {@code r:ROOM} for a chatroom (live,
 * not stored: see {@link Chatrooms}).
 */
public record ConversationId(Kind kind, String first, String second) {
  public enum Kind {
    DIRECT,
    GROUP,
    SYSTEM,
    ROOM
  }

  public ConversationId {
    Ids.require("conversation part", first);
    if (kind == Kind.DIRECT) {
      Ids.require("conversation part", second);
      if (first.compareTo(second) >= 0) {
        throw new IllegalArgumentException("direct ids must be sorted and distinct");
      }
    } else if (!second.isEmpty()) {
      throw new IllegalArgumentException("only direct conversations have two parts");
    }
  }

  public static ConversationId direct(String a, String b) {
    Ids.require("user", a);
    Ids.require("user", b);
    if (a.equals(b)) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "a direct conversation needs two different users");
    }
    return a.compareTo(b) < 0
        ? new ConversationId(Kind.DIRECT, a, b)
        : new ConversationId(Kind.DIRECT, b, a);
  }

  public static ConversationId group(String groupId) {
    return new ConversationId(Kind.GROUP, Ids.require("group", groupId), "");
  }

  public static ConversationId system(String userId) {
    return new ConversationId(Kind.SYSTEM, Ids.require("user", userId), "");
  }

  public static ConversationId room(String roomId) {
    return new ConversationId(Kind.ROOM, Ids.require("chatroom", roomId), "");
  }

  /** Parses the public string form; bad input is INVALID_ARGUMENT. */
  public static ConversationId parse(String text) {
    return tryParse(text)
        .orElseThrow(() ->
            new WarblerException(
                ErrorCode.INVALID_ARGUMENT,
                "conversation must look like d:USER:USER, g:GROUP, s:USER or r:ROOM but was '"
                    + Ids.clip(text)
                    + "'"));
  }

  public static Optional<ConversationId> tryParse(String text) {
    String[] parts = text.split(":", -1);
    try {
      if (parts.length == 3 && parts[0].equals("d") && Ids.valid(parts[1]) && Ids.valid(parts[2])) {
        return parts[1].compareTo(parts[2]) < 0
            ? Optional.of(direct(parts[1], parts[2]))
            : Optional.empty();
      }
      if (parts.length == 2 && Ids.valid(parts[1])) {
        return switch (parts[0]) {
          case "g" -> Optional.of(group(parts[1]));
          case "s" -> Optional.of(system(parts[1]));
          case "r" -> Optional.of(room(parts[1]));
          default -> Optional.empty();
        };
      }
    } catch (WarblerException | IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** For a direct conversation, the user who is not {@code user}. */
  public String peerOf(String user) {
    return first.equals(user) ? second : first;
  }

  /**
   * Users implied by the id itself: both users of a direct chat, the owner of a system one; none
   * for groups and chatrooms.
   */
  public List<String> impliedMembers() {
    return switch (kind) {
      case DIRECT -> List.of(first, second);
      case SYSTEM -> List.of(first);
      case GROUP, ROOM -> List.of();
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case DIRECT -> "d:" + first + ":" + second;
      case GROUP -> "g:" + first;
      case SYSTEM -> "s:" + first;
      case ROOM -> "r:" + first;
    };
  }
}
