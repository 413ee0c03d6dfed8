package dev.warbler.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warbler.protocol.v1.Contact;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.FriendRequest;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupInfo;
import dev.warbler.protocol.v1.GroupMember;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageChange;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ReactionCount;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.TypingEvent;
import dev.warbler.sdk.WarblerAdmin;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** The one-line JSON documents the commands print, and the line {@code chat} shows. */
final class JsonLines {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private JsonLines() {}

  /**
   * {@code {"conversation","seq","id","clientMsgId","from","type","text","payload"?,"sentAt"}}:
   * {@code type} in lower case, {@code payload} as JSON (omitted when absent), {@code sentAt} as
   * ISO-8601 UTC. The lifecycle fields follow only when set: {@code replyTo}, {@code mentions},
   * {@code mentionAll}, {@code forwardedFrom}, {@code recalled}, {@code editedAt} (ISO-8601),
   * {@code reactions} ([{"emoji","count","mine"?}]) and, for {@code change} entries, {@code change}
   * ({"targetSeq", and "recall":true, "edit":{"text","payload"?,"editedAt"} or
   * "reaction":{"emoji","added","count"}}). A tombstone is {@code
   * {"conversation","seq","deletedForMe":true}}.
   */
  static String message(Message m) {
    ObjectNode line = JSON.createObjectNode();
    if (m.getDeletedForMe()) {
      line.put("conversation", m.getConversation());
      line.put("seq", m.getSeq());
      line.put("deletedForMe", true);
      return write(line);
    }
    line.put("conversation", m.getConversation());
    line.put("seq", m.getSeq());
    line.put("id", m.getId());
    line.put("clientMsgId", m.getClientMsgId());
    line.put("from", m.getFrom());
    line.put("type", type(m.getType()));
    line.put("text", m.getText());
    if (!m.getPayload().isEmpty()) {
      line.set("payload", payload(m.getPayload()));
    }
    line.put("sentAt", iso(m.getSentAt()));
    if (m.getReplyTo() > 0) {
      line.put("replyTo", m.getReplyTo());
    }
    if (m.getMentionsCount() > 0) {
      m.getMentionsList().forEach(line.putArray("mentions")::add);
    }
    if (m.getMentionAll()) {
      line.put("mentionAll", true);
    }
    if (!m.getForwardedFrom().isEmpty()) {
      line.put("forwardedFrom", m.getForwardedFrom());
    }
    if (m.getRecalled()) {
      line.put("recalled", true);
    }
    if (m.getEditedAt() > 0) {
      line.put("editedAt", iso(m.getEditedAt()));
    }
    if (m.getReactionsCount() > 0) {
      ArrayNode reactions = line.putArray("reactions");
      for (ReactionCount r : m.getReactionsList()) {
        ObjectNode reaction = reactions.addObject();
        reaction.put("emoji", r.getEmoji());
        reaction.put("count", r.getCount());
        if (r.getMine()) {
          reaction.put("mine", true);
        }
      }
    }
    if (m.hasChange()) {
      line.set("change", change(m.getChange()));
    }
    return write(line);
  }

  private static ObjectNode change(MessageChange c) {
    ObjectNode node = JSON.createObjectNode();
    node.put("targetSeq", c.getTargetSeq());
    switch (c.getActionCase()) {
      case RECALL -> node.put("recall", true);
      case EDIT -> {
        ObjectNode edit = node.putObject("edit");
        edit.put("text", c.getEdit().getText());
        if (!c.getEdit().getPayload().isEmpty()) {
          edit.set("payload", payload(c.getEdit().getPayload()));
        }
        edit.put("editedAt", iso(c.getEdit().getEditedAt()));
      }
      case REACTION -> {
        ObjectNode reaction = node.putObject("reaction");
        reaction.put("emoji", c.getReaction().getEmoji());
        reaction.put("added", c.getReaction().getAdded());
        reaction.put("count", c.getReaction().getCount());
      }
      case ACTION_NOT_SET -> {}
    }
    return node;
  }

  /** {@code {"conversation","seq","messageId","clientMsgId","sentAt","duplicate"}}. */
  static String ack(SendAck ack) {
    ObjectNode line = JSON.createObjectNode();
    line.put("conversation", ack.getConversation());
    line.put("seq", ack.getSeq());
    line.put("messageId", ack.getMessageId());
    line.put("clientMsgId", ack.getClientMsgId());
    line.put("sentAt", iso(ack.getSentAt()));
    line.put("duplicate", ack.getDuplicate());
    return write(line);
  }

  static String user(WarblerAdmin.User user) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", user.id());
    line.put("name", user.name());
    line.put("createdAt", user.createdAt().toString());
    return write(line);
  }

  static String group(WarblerAdmin.Group group) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", group.id());
    line.put("name", group.name());
    line.put("owner", group.owner());
    group.members().forEach(line.putArray("members")::add);
    line.put("conversation", group.conversation());
    line.put("createdAt", group.createdAt().toString());
    return write(line);
  }

  /**
   * {@code {"conversation","readSeq","unread","mentioned"?,"pinned","muted","archived","custom"?}};
   * {@code mentioned} (true) only when an unread message still mentions the user.
   */
  static String readState(ReadState state) {
    ObjectNode line = JSON.createObjectNode();
    line.put("conversation", state.getConversation());
    line.put("readSeq", state.getReadSeq());
    line.put("unread", state.getUnread());
    if (state.getMentioned()) {
      line.put("mentioned", true);
    }
    line.put("pinned", state.getPinned());
    line.put("muted", state.getMuted());
    line.put("archived", state.getArchived());
    if (!state.getCustom().isEmpty()) {
      line.set("custom", payload(state.getCustom()));
    }
    return write(line);
  }

  /**
   * A group as a user sees it (protocol): {@code {"id","name","avatarUrl"?,"description"?,
   * "custom"?,"owner","memberCount","muteAll","joinPolicy","invitePolicy","conversation",
   * "createdAt","myRole","myMutedUntil"?}}; policies as in REST (INVITE_ONLY ...), the role in
   * lower case ("none" for a non-member).
   */
  static String groupInfo(GroupInfo g) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", g.getGroup());
    line.put("name", g.getName());
    putIfSet(line, "avatarUrl", g.getAvatarUrl());
    putIfSet(line, "description", g.getDescription());
    if (!g.getCustom().isEmpty()) {
      line.set("custom", payload(g.getCustom()));
    }
    line.put("owner", g.getOwner());
    line.put("memberCount", g.getMemberCount());
    line.put("muteAll", g.getMuteAll());
    line.put("joinPolicy", g.getJoinPolicy().name().replace("JOIN_POLICY_", ""));
    line.put("invitePolicy", g.getInvitePolicy().name().replace("INVITE_POLICY_", ""));
    line.put("conversation", g.getConversation());
    line.put("createdAt", iso(g.getCreatedAt()));
    line.put(
        "myRole",
        g.getMyRole() == GroupRole.GROUP_ROLE_UNSPECIFIED
            ? "none"
            : GroupCommand.roleName(g.getMyRole()));
    if (g.getMyMutedUntil() > 0) {
      line.put("myMutedUntil", iso(g.getMyMutedUntil()));
    }
    return write(line);
  }

  /** {@code {"user","readSeq","deliveredSeq"}}. */
  static String receipt(MemberReceipt r) {
    ObjectNode line = JSON.createObjectNode();
    line.put("user", r.getUser());
    line.put("readSeq", r.getReadSeq());
    line.put("deliveredSeq", r.getDeliveredSeq());
    return write(line);
  }

  /** {@code {"user","online","lastSeen"?}}: {@code lastSeen} ISO-8601, omitted when never seen. */
  static String presence(PresenceEntry e) {
    return write(presence(JSON.createObjectNode(), e.getUser(), e.getOnline(), e.getLastSeen()));
  }

  /** {@code {"event":"read","conversation","user","readSeq"}}. */
  static String event(ReadReceipt r) {
    ObjectNode line = JSON.createObjectNode().put("event", "read");
    line.put("conversation", r.getConversation());
    line.put("user", r.getUser());
    line.put("readSeq", r.getReadSeq());
    return write(line);
  }

  /** {@code {"event":"delivered","conversation","user","deliveredSeq"}}. */
  static String event(DeliveryReceipt r) {
    ObjectNode line = JSON.createObjectNode().put("event", "delivered");
    line.put("conversation", r.getConversation());
    line.put("user", r.getUser());
    line.put("deliveredSeq", r.getDeliveredSeq());
    return write(line);
  }

  /** {@code {"event":"typing","conversation","user","active"}}. */
  static String event(TypingEvent t) {
    ObjectNode line = JSON.createObjectNode().put("event", "typing");
    line.put("conversation", t.getConversation());
    line.put("user", t.getUser());
    line.put("active", t.getActive());
    return write(line);
  }

  /** {@code {"event":"presence","user","online","lastSeen"?}}. */
  static String event(PresenceEvent p) {
    ObjectNode line = JSON.createObjectNode().put("event", "presence");
    return write(presence(line, p.getUser(), p.getOnline(), p.getLastSeen()));
  }

  private static ObjectNode presence(ObjectNode line, String user, boolean online, long lastSeen) {
    line.put("user", user);
    line.put("online", online);
    if (lastSeen > 0) {
      line.put("lastSeen", iso(lastSeen));
    }
    return line;
  }

  /** A group as the admin API returns it; the same fields as {@link #groupInfo} but no role. */
  static String groupDetails(WarblerAdmin.GroupDetails g) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", g.id());
    line.put("name", g.name());
    putIfSet(line, "avatarUrl", g.avatarUrl());
    putIfSet(line, "description", g.description());
    if (!g.custom().isEmpty()) {
      line.set("custom", payload(g.custom()));
    }
    line.put("owner", g.owner());
    line.put("memberCount", g.memberCount());
    line.put("muteAll", g.muteAll());
    line.put("joinPolicy", g.joinPolicy());
    line.put("invitePolicy", g.invitePolicy());
    line.put("conversation", g.conversation());
    line.put("createdAt", g.createdAt().toString());
    return write(line);
  }

  /** {@code {"user","role","mutedUntil"?}}. */
  static String member(GroupMember m) {
    return memberLine(m.getUser(), GroupCommand.roleName(m.getRole()), m.getMutedUntil());
  }

  static String member(WarblerAdmin.GroupMember m) {
    return memberLine(m.user(), m.role(), m.mutedUntil().toEpochMilli());
  }

  private static String memberLine(String user, String role, long mutedUntil) {
    ObjectNode line = JSON.createObjectNode();
    line.put("user", user);
    line.put("role", role);
    if (mutedUntil > 0) {
      line.put("mutedUntil", iso(mutedUntil));
    }
    return write(line);
  }

  /** {@code {"group","seq","users"}}: what a group command did. */
  static String ack(GroupAck ack) {
    return changeLine(ack.getGroup(), ack.getSeq(), ack.getUsersList());
  }

  static String change(WarblerAdmin.GroupChange c) {
    return changeLine(c.group(), c.seq(), c.users());
  }

  private static String changeLine(String group, long seq, java.util.List<String> users) {
    ObjectNode line = JSON.createObjectNode();
    line.put("group", group);
    line.put("seq", seq);
    users.forEach(line.putArray("users")::add);
    return write(line);
  }

  /** {@code {"group", KEY: [users]}}, e.g. the users an admin add or remove touched. */
  static String usersLine(String group, String key, java.util.List<String> users) {
    ObjectNode line = JSON.createObjectNode();
    line.put("group", group);
    users.forEach(line.putArray(key)::add);
    return write(line);
  }

  /** {@code {"user","message","requestedAt"}}. */
  static String joinRequest(dev.warbler.protocol.v1.JoinRequest r) {
    return joinRequestLine(r.getUser(), r.getMessage(), iso(r.getRequestedAt()));
  }

  static String joinRequest(WarblerAdmin.JoinRequest r) {
    return joinRequestLine(r.user(), r.message(), r.requestedAt().toString());
  }

  private static String joinRequestLine(String user, String message, String at) {
    ObjectNode line = JSON.createObjectNode();
    line.put("user", user);
    line.put("message", message);
    line.put("requestedAt", at);
    return write(line);
  }

  /** Parses a JSON object given on the command line, or fails with a usage-like error. */
  static java.util.Map<String, Object> parseObject(String json, String option) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.isObject()) {
        throw new CliException(option + " must be a JSON object");
      }
      return JSON.convertValue(
          node,
          new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new CliException(option + " must be a JSON object");
    }
  }

  private static void putIfSet(ObjectNode line, String name, String value) {
    if (!value.isEmpty()) {
      line.put(name, value);
    }
  }

  /** A chatroom message: the {@link #message} line plus {@code "room"} and {@code "epoch"}. */
  static String roomMessage(String room, long epoch, Message m) {
    ObjectNode line = (ObjectNode) parse(message(m));
    line.put("room", room);
    line.put("epoch", epoch);
    return write(line);
  }

  static String chatroom(WarblerAdmin.Chatroom room) {
    ObjectNode line = JSON.createObjectNode();
    line.put("id", room.id());
    line.put("name", room.name());
    line.put("maxMembers", room.maxMembers());
    line.put("conversation", room.conversation());
    line.put("createdAt", room.createdAt().toString());
    return write(line);
  }

  /** {@code {"user","friend","requestSent","requestReceived","blocked"}}. */
  static String contact(Contact c) {
    ObjectNode line = JSON.createObjectNode();
    line.put("user", c.getUser());
    line.put("friend", c.getFriend());
    line.put("requestSent", c.getRequestSent());
    line.put("requestReceived", c.getRequestReceived());
    line.put("blocked", c.getBlocked());
    return write(line);
  }

  /** A friend or a blocked user: {@code {"user","since"}}. */
  static String entry(String user, long since) {
    ObjectNode line = JSON.createObjectNode();
    line.put("user", user);
    line.put("since", iso(since));
    return write(line);
  }

  /** {@code {"from","to","message","createdAt"}} (plus {@code "status"} for pushed events). */
  static String friendRequest(FriendRequest r, String status) {
    ObjectNode line = JSON.createObjectNode();
    line.put("from", r.getFrom());
    line.put("to", r.getTo());
    line.put("message", r.getMessage());
    line.put("createdAt", iso(r.getCreatedAt()));
    if (!status.isEmpty()) {
      line.put("status", status);
    }
    return write(line);
  }

  /**
   * One entry of a conversation list: {@code {"conversation","unread","mentioned"?,"lastSeq",
   * "readSeq","pinned","muted","archived","custom"?,"lastMessage"?}}; {@code mentioned} (true) only
   * when an unread message mentions the user; {@code lastMessage} is a preview {@code
   * {"from","text","type","sentAt","recalled"?}}, or {@code {"seq","deletedForMe":true}} for a
   * message the user deleted for itself.
   */
  static String conversation(ConversationState s) {
    ObjectNode line = JSON.createObjectNode();
    line.put("conversation", s.getConversation());
    line.put("unread", s.getUnread());
    if (s.getMentioned()) {
      line.put("mentioned", true);
    }
    line.put("lastSeq", s.getLastSeq());
    line.put("readSeq", s.getReadSeq());
    line.put("pinned", s.getPinned());
    line.put("muted", s.getMuted());
    line.put("archived", s.getArchived());
    if (!s.getCustom().isEmpty()) {
      line.set("custom", payload(s.getCustom()));
    }
    if (s.hasLastMessage()) {
      Message m = s.getLastMessage();
      ObjectNode preview = line.putObject("lastMessage");
      if (m.getDeletedForMe()) {
        preview.put("seq", m.getSeq());
        preview.put("deletedForMe", true);
      } else {
        preview.put("from", m.getFrom());
        preview.put("text", m.getText().isEmpty() ? m.getPayload() : m.getText());
        preview.put("type", type(m.getType()));
        preview.put("sentAt", iso(m.getSentAt()));
        if (m.getRecalled()) {
          preview.put("recalled", true);
        }
      }
    }
    return write(line);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read back JSON", e);
    }
  }

  /**
   * {@code [HH:mm:ss] from: text}; the system shows as {@code system}, a bare payload as JSON. A
   * reply starts with {@code ↪ #N}; an edited message ends with {@code (edited)}, reactions follow
   * as {@code [👍 2]}; a recalled message reads {@code (recalled)}. A change entry reads as what it
   * did, e.g. {@code [12:00:01] bob reacted 👍 to #3 (2)}; a tombstone as {@code #3 (deleted for
   * you)}.
   */
  static String chatLine(Message m, ZoneId zone) {
    if (m.getDeletedForMe()) {
      return "#" + m.getSeq() + " (deleted for you)";
    }
    String from = m.getFrom().isEmpty() ? "system" : m.getFrom();
    String time = "[" + CLOCK.format(Instant.ofEpochMilli(m.getSentAt()).atZone(zone)) + "] ";
    if (m.hasChange()) {
      MessageChange c = m.getChange();
      String target = "#" + c.getTargetSeq();
      return time
          + from
          + switch (c.getActionCase()) {
            case RECALL -> " recalled " + target;
            case EDIT -> " edited " + target + ": " + c.getEdit().getText();
            case REACTION ->
                (c.getReaction().getAdded() ? " reacted " : " took back ")
                    + c.getReaction().getEmoji()
                    + (c.getReaction().getAdded() ? " to " : " on ")
                    + target
                    + " ("
                    + c.getReaction().getCount()
                    + ")";
            case ACTION_NOT_SET -> " changed " + target;
          };
    }
    StringBuilder b = new StringBuilder(time).append(from).append(": ");
    if (m.getReplyTo() > 0) {
      b.append("↪ #").append(m.getReplyTo()).append(' ');
    }
    if (m.getRecalled()) {
      return b.append("(recalled)").toString();
    }
    b.append(m.getText().isEmpty() ? m.getPayload() : m.getText());
    if (m.getEditedAt() > 0) {
      b.append(" (edited)");
    }
    for (ReactionCount r : m.getReactionsList()) {
      b.append(" [").append(r.getEmoji()).append(' ').append(r.getCount()).append(']');
    }
    return b.toString();
  }

  static String type(MessageType type) {
    return switch (type) {
      case TEXT -> "text";
      case MARKDOWN -> "markdown";
      case CUSTOM -> "custom";
      case SYSTEM -> "system";
      case CHANGE -> "change";
      case TYPE_UNSPECIFIED, UNRECOGNIZED -> "unknown";
    };
  }

  /** ISO-8601 UTC with millisecond precision, e.g. {@code 2026-01-01T12:00:00.123Z}. */
  static String iso(long epochMillis) {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(epochMillis));
  }

  private static JsonNode payload(String payload) {
    try {
      return JSON.readTree(payload);
    } catch (JsonProcessingException e) {
      return JSON.getNodeFactory().textNode(payload);
    }
  }

  private static String write(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }
}
