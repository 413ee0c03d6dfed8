package dev.warbler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Request and response bodies of the REST API; field names are the JSON names. */
final class Dtos {
  private Dtos() {}

  record CreateApp(String id, @Nullable String name) {}

  record AppCreated(String id, String name, String secret, long createdAt) {}

  record AppView(String id, String name, long createdAt) {}

  record CreateUser(String id, @Nullable String name) {}

  /**
   * A user with its profile; {@code custom} is an app-defined JSON object, {@code lastSeen} the end
   * of its last connection in epoch milliseconds (0 = never seen).
   */
  record UserView(
      String id,
      String name,
      String avatarUrl,
      JsonNode custom,
      long createdAt,
      boolean online,
      long lastSeen) {}

  /** A profile update: absent fields keep their value; {@code custom: null} resets it to {}. */
  record UpdateUser(@Nullable String name, @Nullable String avatarUrl, @Nullable JsonNode custom) {}

  /**
   * The uniform page of every list operation: {@code items}, and {@code nextCursor} to pass as
   * {@code cursor} for the next page, absent on the last page.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Page<T>(List<T> items, @Nullable String nextCursor) {
    static <T> Page<T> of(List<T> items, Optional<String> nextCursor) {
      return new Page<>(items, nextCursor.orElse(null));
    }
  }

  record MarkRead(@Nullable String user, @Nullable Long seq) {}

  record ReadStateView(String conversation, String user, long readSeq, long unread) {}

  record PresenceView(String user, boolean online, long lastSeen) {}

  record UsageDay(String day, long activeUsers, long messagesSent, long peakConnections) {}

  record UsageView(
      String app,
      String month,
      long users,
      long dailyActiveUsers,
      long monthlyActiveUsers,
      long messagesSent,
      long peakConnections,
      long storedBytes,
      List<UsageDay> days) {}

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
}
