package dev.warbler.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A small client for the server REST API, as an app backend uses it: users, tokens, groups,
 * messages and chatrooms. Authenticates with the root admin key or an app's API secret.
 *
 * <p>Calls block until the server answers (at most the request timeout); call them from any thread,
 * virtual threads included. Thread-safe. Errors the server reports ({@code
 * application/problem+json}) surface as {@link WarblerClientException} carrying the catalog code,
 * name and detail and the HTTP status; an unreachable server as {@link UncheckedIOException}.
 */
public final class WarblerAdmin {
  private final Rest rest;

  private WarblerAdmin(Rest rest) {
    this.rest = rest;
  }

  /**
   * An admin client for the server at {@code httpBase} (for example {@code http://127.0.0.1:8080}).
   */
  public static WarblerAdmin create(URI httpBase, String key) {
    return create(httpBase, key, Duration.ofSeconds(10), HttpClient.newHttpClient());
  }

  /** As {@link #create(URI, String)}, with a request timeout and an HTTP client the caller owns. */
  public static WarblerAdmin create(
      URI httpBase, String key, Duration requestTimeout, HttpClient http) {
    Objects.requireNonNull(httpBase, "httpBase");
    if (key.isBlank()) {
      throw new IllegalArgumentException("the admin key must not be blank");
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "request timeout must be positive but was " + requestTimeout);
    }
    return new WarblerAdmin(new Rest(http, httpBase, requestTimeout, Optional.of(key)));
  }

  /** A created or fetched user. */
  public record User(String id, String name, Instant createdAt) {}

  /** A created group; {@code conversation} is its conversation id ({@code g:ID}). */
  public record Group(
      String id,
      String name,
      String owner,
      List<String> members,
      String conversation,
      Instant createdAt) {
    public Group {
      members = List.copyOf(members);
    }
  }

  /** {@code GET /v1/discovery} (needs no key). */
  public Discovery discovery() {
    return rest.discovery();
  }

  /** Creates user {@code id} in {@code app}; a blank name is left for the server to default. */
  public User createUser(String app, String id, String name) {
    ObjectNode body = Rest.object().put("id", id);
    if (!name.isBlank()) {
      body.put("name", name);
    }
    JsonNode user = call("POST", "/v1/apps/" + seg(app) + "/users", body);
    return new User(
        user.path("id").asText(id),
        user.path("name").asText(name),
        instant(user.path("createdAt")));
  }

  /** Mints a user token (JWT) valid for {@code ttlSeconds}. */
  public String issueUserToken(String app, String user, long ttlSeconds) {
    if (ttlSeconds <= 0) {
      throw new IllegalArgumentException("token ttl must be positive but was " + ttlSeconds);
    }
    JsonNode answer =
        call(
            "POST",
            "/v1/apps/" + seg(app) + "/users/" + seg(user) + "/tokens",
            Rest.object().put("ttlSeconds", ttlSeconds));
    String token = answer.path("token").asText("");
    if (token.isEmpty()) {
      throw new IllegalStateException("the server answered a token request without a token");
    }
    return token;
  }

  /** Creates group {@code id} owned by {@code owner} with {@code members} (the owner is one). */
  public Group createGroup(String app, String id, String name, String owner, List<String> members) {
    ObjectNode body = Rest.object().put("id", id).put("owner", owner);
    if (!name.isBlank()) {
      body.put("name", name);
    }
    ArrayNode list = body.putArray("members");
    members.forEach(list::add);
    JsonNode group = call("POST", "/v1/apps/" + seg(app) + "/groups", body);
    List<String> memberIds = new ArrayList<>();
    group.path("members").forEach(m -> memberIds.add(m.asText()));
    return new Group(
        group.path("id").asText(id),
        group.path("name").asText(name),
        group.path("owner").asText(owner),
        memberIds,
        group.path("conversation").asText("g:" + id),
        instant(group.path("createdAt")));
  }

  /**
   * Sends a structured system notification (an order or logistics update) to {@code user}: the
   * server renders the app's template {@code template} with {@code fields} into the message text
   * and keeps {@code {template, fields}} as its payload.
   */
  public SendAck notify(String app, String user, String template, Map<String, String> fields) {
    ObjectNode body = Rest.object();
    body.put("to", user);
    body.put("template", template);
    ObjectNode values = body.putObject("fields");
    fields.forEach(values::put);
    JsonNode ack = call("POST", "/v1/apps/" + seg(app) + "/messages", body);
    return SendAck.newBuilder()
        .setConversation(ack.path("conversation").asText())
        .setSeq(ack.path("seq").asLong())
        .setMessageId(ack.path("messageId").asText())
        .setSentAt(epochMillis(ack.path("sentAt")))
        .setDuplicate(ack.path("duplicate").asBoolean())
        .setClientMsgId(ack.path("clientMsgId").asText())
        .build();
  }

  /**
   * Sends {@code message} as user {@code from}, or as the system when {@code from} is blank. The
   * target ({@code user}, {@code group} or {@code conversation}), type, text, payload (a JSON
   * object or array as text) and client message id are taken from {@code message}; unset fields are
   * left to the server's defaults.
   */
  public SendAck sendMessage(String app, String from, Send message) {
    ObjectNode body = Rest.object();
    if (!from.isBlank()) {
      body.put("from", from);
    }
    switch (message.getToCase()) {
      case USER -> body.put("to", message.getUser());
      case GROUP -> body.put("group", message.getGroup());
      case CONVERSATION -> body.put("conversation", message.getConversation());
      case TO_NOT_SET ->
          throw new IllegalArgumentException("the message needs a user, group or conversation");
    }
    if (message.getType() != MessageType.TYPE_UNSPECIFIED) {
      body.put("type", message.getType().name());
    }
    if (!message.getText().isEmpty()) {
      body.put("text", message.getText());
    }
    if (!message.getPayload().isEmpty()) {
      try {
        body.set("payload", Rest.JSON.readTree(message.getPayload()));
      } catch (IOException e) {
        throw new IllegalArgumentException("payload must be a JSON object or array", e);
      }
    }
    if (!message.getClientMsgId().isEmpty()) {
      body.put("clientMsgId", message.getClientMsgId());
    }
    JsonNode ack = call("POST", "/v1/apps/" + seg(app) + "/messages", body);
    return SendAck.newBuilder()
        .setConversation(ack.path("conversation").asText())
        .setSeq(ack.path("seq").asLong())
        .setMessageId(ack.path("messageId").asText())
        .setSentAt(epochMillis(ack.path("sentAt")))
        .setDuplicate(ack.path("duplicate").asBoolean())
        .setClientMsgId(ack.path("clientMsgId").asText())
        .build();
  }

  /**
   * A chatroom's definition; {@code maxMembers} 0 means the server's {@code chatroom.max-present}.
   */
  public record Chatroom(
      String id, String name, int maxMembers, String conversation, Instant createdAt) {}

  /**
   * Creates chatroom {@code id}; a blank name is left for the server to default, {@code maxMembers}
   * 0 means the server's maximum.
   */
  public Chatroom createChatroom(String app, String id, String name, int maxMembers) {
    ObjectNode body = Rest.object().put("id", id);
    if (!name.isBlank()) {
      body.put("name", name);
    }
    if (maxMembers > 0) {
      body.put("maxMembers", maxMembers);
    }
    JsonNode room = call("POST", "/v1/apps/" + seg(app) + "/chatrooms", body);
    return new Chatroom(
        room.path("id").asText(id),
        room.path("name").asText(name),
        room.path("maxMembers").asInt(maxMembers),
        room.path("conversation").asText("r:" + id),
        instant(room.path("createdAt")));
  }

  /** Deletes a chatroom; those present are told and leave it. */
  public void deleteChatroom(String app, String id) {
    rest.call("DELETE", "/v1/apps/" + seg(app) + "/chatrooms/" + seg(id), Optional.empty());
  }

  /**
   * Sends a text to a chatroom as user {@code from} (present or not), or as the system when {@code
   * from} is blank. Chatroom messages are live and not stored.
   */
  public SendAck sendChatroomMessage(String app, String room, String from, String text) {
    ObjectNode body = Rest.object().put("text", text);
    if (!from.isBlank()) {
      body.put("from", from);
    }
    JsonNode ack =
        call("POST", "/v1/apps/" + seg(app) + "/chatrooms/" + seg(room) + "/messages", body);
    return SendAck.newBuilder()
        .setConversation(ack.path("conversation").asText())
        .setSeq(ack.path("seq").asLong())
        .setMessageId(ack.path("messageId").asText())
        .setSentAt(epochMillis(ack.path("sentAt")))
        .setDuplicate(ack.path("duplicate").asBoolean())
        .setClientMsgId(ack.path("clientMsgId").asText())
        .build();
  }

  private JsonNode call(String method, String path, JsonNode body) {
    return rest.call(method, path, Optional.of(body));
  }

  private static String seg(String pathSegment) {
    return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Accepts epoch milliseconds or ISO-8601 text; the epoch when absent. */
  static Instant instant(JsonNode node) {
    if (node.isNumber()) {
      return Instant.ofEpochMilli(node.asLong());
    }
    if (node.isTextual()) {
      try {
        return Instant.parse(node.asText());
      } catch (java.time.format.DateTimeParseException e) {
        return Instant.EPOCH;
      }
    }
    return Instant.EPOCH;
  }

  private static long epochMillis(JsonNode node) {
    return instant(node).toEpochMilli();
  }
}
