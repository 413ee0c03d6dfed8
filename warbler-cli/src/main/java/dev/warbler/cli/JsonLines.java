package dev.warbler.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
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
   * ISO-8601 UTC.
   */
  static String message(Message m) {
    ObjectNode line = JSON.createObjectNode();
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
    return write(line);
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

  /** {@code {"conversation","readSeq","unread"}}. */
  static String readState(ReadState state) {
    ObjectNode line = JSON.createObjectNode();
    line.put("conversation", state.getConversation());
    line.put("readSeq", state.getReadSeq());
    line.put("unread", state.getUnread());
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

  /** {@code [HH:mm:ss] from: text}; the system shows as {@code system}, a bare payload as JSON. */
  static String chatLine(Message m, ZoneId zone) {
    String from = m.getFrom().isEmpty() ? "system" : m.getFrom();
    String body = m.getText().isEmpty() ? m.getPayload() : m.getText();
    return "["
        + CLOCK.format(Instant.ofEpochMilli(m.getSentAt()).atZone(zone))
        + "] "
        + from
        + ": "
        + body;
  }

  static String type(MessageType type) {
    return switch (type) {
      case TEXT -> "text";
      case MARKDOWN -> "markdown";
      case CUSTOM -> "custom";
      case SYSTEM -> "system";
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
