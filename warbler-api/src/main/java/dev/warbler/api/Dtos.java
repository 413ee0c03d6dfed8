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
      String id,
      @Nullable String name,
      String owner,
      @Nullable List<String> members,
      @Nullable String avatarUrl,
      @Nullable String description,
      @Nullable JsonNode custom,
      @Nullable String joinPolicy,
      @Nullable String invitePolicy) {}

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
      @Nullable String clientMsgId) {}

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
      long sentAt) {}

  record MessageList(String conversation, List<MessageView> messages, boolean more) {}

  record Discovery(String websocket, List<String> protocols, String version) {}

  // ---- groups --------------------------------------------------------------------------------

  /** The uniform page of a listing; {@code nextCursor} is absent on the last page. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Page<T>(List<T> items, @Nullable String nextCursor) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record GroupDetails(
      String id,
      String name,
      String avatarUrl,
      String description,
      @Nullable JsonNode custom,
      String owner,
      int memberCount,
      boolean muteAll,
      String joinPolicy,
      String invitePolicy,
      long createdAt,
      String conversation) {}

  record MemberView(String user, String role, long mutedUntil) {}

  record JoinRequestView(String user, String message, long requestedAt) {}

  record GroupChange(String group, long seq, List<String> users) {}

  record RoleBody(String role) {}

  record MuteBody(@Nullable Long until, @Nullable Long seconds) {}

  record UserBody(String user) {}
}
