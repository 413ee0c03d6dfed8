package dev.warbler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Request and response bodies of the REST API; field names are the JSON names. */
final class Dtos {
  private Dtos() {}

  record CreateApp(String id, @Nullable String name) {}

  record AppCreated(String id, String name, String secret, long createdAt) {}

  record AppView(String id, String name, long createdAt) {}

  record CreateUser(String id, @Nullable String name) {}

  record UserView(String id, String name, long createdAt, boolean online) {}

  record IssueToken(@Nullable Long ttlSeconds) {}

  record TokenIssued(String token, String app, String user, long expiresAt) {}

  record CreateGroup(
      String id, @Nullable String name, String owner, @Nullable List<String> members) {}

  record GroupView(
      String id,
      String name,
      String owner,
      List<String> members,
      long createdAt,
      String conversation) {}

  record UserList(List<String> users) {}

  record MembersAdded(List<String> added, List<String> members) {}

  record MembersRemoved(List<String> removed, List<String> members) {}

  record SendMessage(
      @Nullable String from,
      @Nullable String to,
      @Nullable String group,
      @Nullable String conversation,
      @Nullable String type,
      @Nullable String text,
      @Nullable JsonNode payload,
      @Nullable String clientMsgId,
      @Nullable Long replyTo,
      @Nullable List<String> mentions,
      @Nullable Boolean mentionAll) {}

  record SendAck(
      String conversation,
      long seq,
      String messageId,
      long sentAt,
      boolean duplicate,
      String clientMsgId) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record MessageView(
      String conversation,
      long seq,
      String id,
      String clientMsgId,
      String from,
      String type,
      String text,
      @Nullable JsonNode payload,
      long sentAt,
      @Nullable Long replyTo,
      @Nullable List<String> mentions,
      @Nullable Boolean mentionAll,
      @Nullable String forwardedFrom,
      @Nullable Boolean recalled,
      @Nullable Long editedAt,
      @Nullable List<Reaction> reactions,
      @Nullable ChangeView change) {}

  record Reaction(String emoji, long count) {}

  /** What a CHANGE entry changed: exactly one of recall, edit, reaction. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ChangeView(
      long targetSeq,
      @Nullable RecallView recall,
      @Nullable EditView edit,
      @Nullable ReactionView reaction) {}

  record RecallView() {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record EditView(String text, @Nullable JsonNode payload, long editedAt) {}

  record ReactionView(String emoji, boolean added, long count) {}

  /** {@code by} absent: the app backend recalls as a moderator. */
  record RecallMessage(@Nullable String by) {}

  record EditMessage(String by, @Nullable String text, @Nullable JsonNode payload) {}

  record MessageList(String conversation, List<MessageView> messages, boolean more) {}

  record Discovery(String websocket, List<String> protocols, String version) {}
}
