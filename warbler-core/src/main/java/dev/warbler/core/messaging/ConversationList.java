package dev.warbler.core.messaging;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.warbler.core.CursorPage;
import dev.warbler.core.Ids;
import dev.warbler.core.PageCursor;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.spi.ConversationSettingsStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A user's conversation list: each conversation's state (last seq, unread, last message) with the
 * user's own settings (pinned, muted, archived, custom JSON). Settings changes move the user's
 * member row in the sync order, so the user's other devices get them with their next sync.
 *
 * <p>Muted conversations are stored and returned; there is no push service yet. When there is, it
 * skips muted conversations. Thread-safe; methods may block on the store.
 */
public final class ConversationList {
  /** Conversations per page when a request names no limit. */
  private static final int DEFAULT_PAGE = 50;

  private final ConversationSettingsStore store;
  private final MessageStore messages;
  private final Messenger messenger;
  private final Directory directory;
  private final Limits limits;
  private final int maxCustomBytes;

  /**
   * @param maxCustomBytes largest custom settings object, UTF-8 bytes ({@code
   *     limits.max-conversation-custom-bytes})
   */
  public ConversationList(
      ConversationSettingsStore store,
      MessageStore messages,
      Messenger messenger,
      Directory directory,
      Limits limits,
      int maxCustomBytes) {
    if (maxCustomBytes <= 0) {
      throw new IllegalArgumentException(
          "max conversation custom bytes must be positive but was " + maxCustomBytes);
    }
    this.store = store;
    this.messages = messages;
    this.messenger = messenger;
    this.directory = directory;
    this.limits = limits;
    this.maxCustomBytes = maxCustomBytes;
  }

  /**
   * The user's state of one conversation, settings included; its last message as the user sees it
   * (as in sync: a tombstone if the user deleted it, the user's own reactions marked).
   */
  public ConversationState get(String app, String user, ConversationId conversation) {
    requireMember(app, user, conversation);
    return messenger.viewFor(
        new Principal(app, user),
        messages.state(app, user, conversation).orElseThrow(() -> noMessages(conversation)));
  }

  /** Changes the user's settings of a conversation it is in; returns the resulting state. */
  public ConversationState update(
      String app, String user, ConversationId conversation, ConversationSettings.Change change) {
    change.custom().ifPresent(this::checkCustom);
    requireMember(app, user, conversation);
    if (change.isEmpty()) {
      return get(app, user, conversation);
    }
    return messenger.viewFor(
        new Principal(app, user),
        store
            .updateSettings(app, user, conversation, change)
            .orElseThrow(() -> noMessages(conversation)));
  }

  /**
   * The user's conversations in id order, a page at a time: {@code cursor} is empty for the first
   * page, then the previous page's {@code nextCursor}.
   */
  public CursorPage<ConversationState> list(String app, String user, String cursor, int limit) {
    directory.requireUser(app, user);
    if (!cursor.isEmpty() && ConversationId.tryParse(cursor).isEmpty()) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "cursor '" + Ids.clip(cursor) + "' is not a valid cursor");
    }
    int n = PageCursor.limit(limit, DEFAULT_PAGE, limits.syncPageMax());
    List<ConversationState> rows = store.conversations(app, user, cursor, n + 1);
    boolean more = rows.size() > n;
    Principal who = new Principal(app, user);
    List<ConversationState> items =
        (more ? rows.subList(0, n) : rows).stream().map(s -> messenger.viewFor(who, s)).toList();
    return new CursorPage<>(
        items, more ? items.get(items.size() - 1).conversation().toString() : "");
  }

  private void requireMember(String app, String user, ConversationId conversation) {
    directory.requireUser(app, user);
    boolean member =
        switch (conversation.kind()) {
          case DIRECT, SYSTEM -> conversation.impliedMembers().contains(user);
          case GROUP -> directory.isMember(app, conversation.first(), user);
          case ROOM ->
              throw new WarblerException(
                  ErrorCode.INVALID_ARGUMENT,
                  conversation + " is a chatroom: chatrooms have no per-user state");
        };
    if (!member) {
      throw new WarblerException(
          ErrorCode.NOT_MEMBER, "user '" + user + "' is not a member of " + conversation);
    }
  }

  private void checkCustom(String custom) {
    if (custom.isEmpty()) {
      return;
    }
    int bytes = custom.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxCustomBytes) {
      throw new WarblerException(
          ErrorCode.LIMIT_EXCEEDED,
          "custom is "
              + bytes
              + " bytes; the limit (limits.max-conversation-custom-bytes) is "
              + maxCustomBytes);
    }
    try {
      JsonFormat.parser().merge(custom, Struct.newBuilder());
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "custom must be a JSON object (or empty to clear it)");
    }
  }

  private static WarblerException noMessages(ConversationId conversation) {
    return new WarblerException(
        ErrorCode.CONVERSATION_NOT_FOUND, conversation + " has no messages yet");
  }
}
