package dev.warbler.core.groups;

import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import java.time.Instant;
import java.util.List;

/**
 * The SYSTEM messages that record group changes in the group's conversation: a short English text
 * for people and a JSON payload for programs, e.g. {@code
 * {"event":"member_joined","users":["bob"],"by":"alice"}}. {@code by} is the acting user, empty
 * when the app backend acted. See docs/protocol.md 3.13 for every event.
 *
 * <p>Public only for {@link #isEvent} and {@link #clientMsgId}, which other packages (metering)
 * need to tell an event from a message someone sent; building events stays with {@link GroupAdmin}.
 */
public final class GroupEvents {
  /**
   * Users listed in one event; beyond it {@code count} says how many there were. Keeps an event of
   * a bulk add of 100,000 users within one message; clients list members for the rest.
   */
  static final int MAX_USERS = 100;

  /** Users named in an event's text before "and N more". */
  private static final int TEXT_USERS = 5;

  private GroupEvents() {}

  /** An event's text and payload. */
  record Event(String text, String payload) {}

  /**
   * The client message id of an event with message id {@code id}. Derived from the id the server
   * chooses at append, so no client or app backend can give one of its own messages an event's
   * client id.
   */
  public static String clientMsgId(String id) {
    return "group-" + id;
  }

  /**
   * True if {@code m} is an event the server appended for a group change (not a message a user or
   * the app backend sent): a SYSTEM message of the system sender in a group conversation whose
   * client message id is {@link #clientMsgId} of its own id.
   */
  public static boolean isEvent(ChatMessage m) {
    return m.conversation().kind() == ConversationId.Kind.GROUP
        && m.type() == MessageType.SYSTEM
        && m.sender().equals(GroupAdmin.BACKEND)
        && m.clientMsgId().equals(clientMsgId(m.id()));
  }

  static Event created(String by, String name, List<String> users) {
    return new Event(
        actor(by) + " created the group " + name,
        start("group_created", by).users(users).field("name", name).end());
  }

  static Event joined(String by, List<String> users, String via) {
    String text =
        switch (via) {
          case "invite" -> actor(by) + " added " + names(users);
          case "approval" -> names(users) + " joined, approved by " + actor(by);
          default -> names(users) + " joined";
        };
    return new Event(text, start("member_joined", by).users(users).field("via", via).end());
  }

  static Event left(String user) {
    return new Event(user + " left", start("member_left", user).users(List.of(user)).end());
  }

  static Event removed(String by, List<String> users) {
    return new Event(
        actor(by) + " removed " + names(users), start("member_removed", by).users(users).end());
  }

  static Event banned(String by, List<String> users) {
    return new Event(
        actor(by) + " banned " + names(users), start("member_banned", by).users(users).end());
  }

  static Event roleChanged(String by, String user, GroupRole role) {
    return new Event(
        actor(by) + " made " + user + (role == GroupRole.ADMIN ? " an admin" : " a member"),
        start("role_changed", by).users(List.of(user)).field("role", role.wireName()).end());
  }

  static Event ownerChanged(String by, String from, String to) {
    return new Event(
        actor(by) + " transferred ownership from " + from + " to " + to,
        start("owner_changed", by).users(List.of(to)).field("from", from).end());
  }

  static Event muted(String by, String user, long until) {
    String text =
        until == 0
            ? actor(by) + " unmuted " + user
            : actor(by) + " muted " + user + " until " + Instant.ofEpochMilli(until);
    return new Event(
        text, start("member_muted", by).users(List.of(user)).number("until", until).end());
  }

  static Event muteAll(String by, boolean on) {
    return new Event(
        actor(by)
            + (on ? " muted the group: only the owner and admins may send" : " unmuted the group"),
        start("mute_all_changed", by).bool("muteAll", on).end());
  }

  static Event profileUpdated(String by, GroupUpdate update) {
    Json json = start("profile_updated", by);
    json.raw("fields", Json.strings(update.fields()));
    update.name().ifPresent(v -> json.field("name", v));
    update.avatarUrl().ifPresent(v -> json.field("avatarUrl", v));
    update.description().ifPresent(v -> json.field("description", v));
    update.custom().ifPresent(v -> json.raw("custom", v.isEmpty() ? "{}" : v));
    update.joinPolicy().ifPresent(v -> json.field("joinPolicy", v.name()));
    update.invitePolicy().ifPresent(v -> json.field("invitePolicy", v.name()));
    String text =
        update.name().isPresent()
            ? actor(by) + " renamed the group to " + update.name().get()
            : actor(by) + " updated the group's " + String.join(", ", update.fields());
    return new Event(text, json.end());
  }

  static Event deleted(String by) {
    return new Event(actor(by) + " deleted the group", start("group_deleted", by).end());
  }

  private static String actor(String by) {
    return by.isEmpty() ? "the app" : by;
  }

  private static String names(List<String> users) {
    if (users.size() <= TEXT_USERS) {
      return String.join(", ", users);
    }
    return String.join(", ", users.subList(0, TEXT_USERS))
        + " and "
        + (users.size() - TEXT_USERS)
        + " more";
  }

  private static Json start(String event, String by) {
    return new Json().field("event", event).field("by", by);
  }

  /** A small JSON object writer; values are escaped strings, numbers or validated raw JSON. */
  static final class Json {
    private final StringBuilder b = new StringBuilder("{");

    Json field(String name, String value) {
      return raw(name, quote(value));
    }

    Json number(String name, long value) {
      return raw(name, Long.toString(value));
    }

    Json bool(String name, boolean value) {
      return raw(name, Boolean.toString(value));
    }

    Json users(List<String> users) {
      raw("users", strings(users.size() > MAX_USERS ? users.subList(0, MAX_USERS) : users));
      if (users.size() > MAX_USERS) {
        number("count", users.size());
      }
      return this;
    }

    Json raw(String name, String json) {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(quote(name)).append(':').append(json);
      return this;
    }

    String end() {
      return b.append('}').toString();
    }

    static String strings(List<String> values) {
      StringBuilder s = new StringBuilder("[");
      for (int i = 0; i < values.size(); i++) {
        if (i > 0) {
          s.append(',');
        }
        s.append(quote(values.get(i)));
      }
      return s.append(']').toString();
    }

    static String quote(String s) {
      StringBuilder q = new StringBuilder(s.length() + 2).append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> q.append("\\\"");
          case '\\' -> q.append("\\\\");
          case '\n' -> q.append("\\n");
          case '\r' -> q.append("\\r");
          case '\t' -> q.append("\\t");
          default -> {
            if (c < 0x20 || c == '\u2028' || c == '\u2029') {
              q.append(String.format("\\u%04x", (int) c));
            } else {
              q.append(c);
            }
          }
        }
      }
      return q.append('"').toString();
    }
  }
}
