package dev.warbler.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** Request and response bodies of the REST API; field names are the JSON names. */
final class Dtos {
  private Dtos() {}

  record CreateApp(String id, @Nullable String name, @Nullable Boolean encryptAtRest) {}

  record AppCreated(String id, String name, String secret, long createdAt, boolean encryptAtRest) {}

  record AppView(String id, String name, long createdAt, boolean encryptAtRest) {}

  /** Encryption at rest of an app (ADR 0011). */
  record SetEncryption(@Nullable Boolean enabled) {}

  record EncryptionView(
      String app,
      boolean enabled,
      int keyVersion,
      List<Integer> keyVersions,
      boolean masterKeyConfigured) {}

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

  /**
   * The answer to markRead: the user's read position, the unread count and mention flag as in the
   * conversation list, and the user's settings of the conversation.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ReadStateView(
      String conversation,
      String user,
      long readSeq,
      long unread,
      boolean mentioned,
      boolean pinned,
      boolean muted,
      boolean archived,
      @Nullable JsonNode custom) {}

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
      @Nullable String clientMsgId,
      @Nullable Long replyTo,
      @Nullable List<String> mentions,
      @Nullable Boolean mentionAll,
      @Nullable String template,
      @Nullable Map<String, String> fields) {}

  record PutTemplate(@Nullable String text) {}

  /** {@code builtIn}: the app has not replaced this built-in template. */
  record TemplateView(String id, String text, List<String> fields, boolean builtIn) {}

  record TemplateList(List<TemplateView> items) {}

  /** One word to add: {@code action} mask, review or reject (default: the app's default). */
  record WordBody(@Nullable String word, @Nullable String action, @Nullable String category) {}

  record WordsBody(@Nullable List<WordBody> words) {}

  record WordKeysBody(@Nullable List<String> words) {}

  record WordView(String word, String action, String category, long addedAt) {}

  record WordsChanged(int changed, long version, int total) {}

  record ModerationSettingsBody(@Nullable Boolean enabled, @Nullable String defaultAction) {}

  record ModerationSettingsView(boolean enabled, String defaultAction, long version) {}

  /** The reviewed message as it is now; absent when it is gone. */
  record ReviewedMessage(String type, String text, boolean recalled, long sentAt) {}

  record ReviewView(
      String id,
      String conversation,
      long seq,
      String sender,
      List<String> categories,
      String status,
      long createdAt,
      long decidedAt,
      String decidedBy,
      @Nullable ReviewedMessage message) {}

  /** A webhook subscription to create, or the fields to change (absent: unchanged). */
  record WebhookBody(
      @Nullable String url,
      @Nullable List<String> events,
      @Nullable Boolean enabled,
      @Nullable String description) {}

  /** {@code secret} is present only when it was just made (create, rotate-secret). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WebhookView(
      String id,
      String url,
      List<String> events,
      boolean enabled,
      String description,
      int failures,
      String disabledReason,
      long createdAt,
      long updatedAt,
      long previousSecretUntil,
      @Nullable String secret) {}

  record WebhookList(List<WebhookView> items) {}

  record WebhookDeliveryView(
      String id,
      String subscription,
      String eventId,
      String type,
      String status,
      int attempts,
      long nextAttemptAt,
      String lastError,
      int responseCode,
      long createdAt,
      long updatedAt,
      JsonNode event) {}

  record WebhookDeliveryList(List<WebhookDeliveryView> items, String nextCursor) {}

  record ReplayRange(@Nullable Long from, @Nullable Long to) {}

  record Replayed(int replayed) {}

  record PutBeforeSendHook(
      @Nullable String url, @Nullable Boolean failOpen, @Nullable Integer timeoutMs) {}

  /** {@code secret} only in the answer that created the hook. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record BeforeSendHookView(
      String url, boolean failOpen, int timeoutMs, long updatedAt, @Nullable String secret) {}

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
      @Nullable ChangeView change,
      @Nullable Boolean undecryptable) {}

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

  // ---- groups --------------------------------------------------------------------------------

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

  // ---- chatrooms, contacts, conversation list ------------------------------------------------

  record CreateChatroom(String id, @Nullable String name, @Nullable Integer maxMembers) {}

  record ChatroomView(
      String id,
      String name,
      int maxMembers,
      long createdAt,
      String conversation,
      int present,
      long epoch,
      long lastSeq) {}

  record SendChatroomMessage(
      @Nullable String from,
      @Nullable String type,
      @Nullable String text,
      @Nullable JsonNode payload,
      @Nullable String clientMsgId) {}

  record ChatroomSendAck(
      String conversation,
      long seq,
      String messageId,
      long sentAt,
      boolean duplicate,
      String clientMsgId,
      long epoch) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ConversationView(
      String conversation,
      long lastSeq,
      long readSeq,
      long unread,
      boolean mentioned,
      @Nullable MessageView lastMessage,
      boolean pinned,
      boolean muted,
      boolean archived,
      @Nullable JsonNode custom) {}

  /** Absent fields stay as they are; {@code "custom": null} clears the custom object. */
  record UpdateConversation(
      @Nullable Boolean pinned,
      @Nullable Boolean muted,
      @Nullable Boolean archived,
      @Nullable JsonNode custom) {}

  /** A body naming one user (a group's new owner, a friend, a blocked user). */
  record UserRef(String user) {}

  record ContactView(String user, long since) {}

  record RelationView(
      String user, boolean friend, boolean requestSent, boolean requestReceived, boolean blocked) {}
}
