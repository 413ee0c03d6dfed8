package dev.warbler.core.messaging;

import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.Directory;
import dev.warbler.core.spi.ChangeRequest;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What happens to messages after they are sent: recall, edit, reactions, delete for me, forward.
 * Every change is checked here and recorded by the {@link MessageLifecycleStore} as a {@link
 * MessageType#CHANGE} entry in the conversation's seq stream, so every device, online or not,
 * converges through the same push, sync and pull as for messages; the target's stored state is
 * updated too, so history shows the current state.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li><b>Recall:</b> by the sender within {@code limits.recall-window-seconds}, or at any time by
 *       a moderator of the group ({@link Directory#isGroupModerator}) or by the app backend.
 *       Recalling a recalled message changes nothing and is not an error. A muted sender may still
 *       recall its own message: a retraction takes content away, which is what the mute is for.
 *   <li><b>Edit:</b> by the sender only, of a TEXT, MARKDOWN or CUSTOM message that is not
 *       recalled, within {@code limits.edit-window-seconds}; the new body follows the send rules,
 *       and so does the permission: not in a deleted group, not while muted (MUTED, {@link
 *       GroupAdmin#requireSender}).
 *   <li><b>React:</b> by any reader who may send there (not while muted, not in a deleted group),
 *       one reaction per (user, emoji, message), at most {@code limits.max-reaction-kinds} distinct
 *       emoji per message; an emoji is 1-32 UTF-8 bytes without whitespace or control characters.
 *       Removing a reaction is a change too.
 *   <li><b>Delete for me:</b> by any reader; only that user's reads change (tombstones) and its own
 *       online devices are told.
 *   <li><b>Forward:</b> a copy (same type, text, payload) of a message the user can read, sent like
 *       any message, with {@code forwardedFrom = CONVERSATION#SEQ}.
 * </ul>
 *
 * <p>A reader who is not a member of the conversation gets NOT_MEMBER before anything else, then an
 * edit or reaction in a deleted group GROUP_NOT_FOUND and one by a muted member MUTED; a seq with
 * no message gets MESSAGE_NOT_FOUND; a CHANGE entry as target gets INVALID_ARGUMENT; a refused
 * permission gets FORBIDDEN. Thread-safe; methods may block on store reads, and the returned
 * futures complete when the change is durable.
 */
public final class MessageLifecycle {
  /** Longest reaction emoji, in UTF-8 bytes: room for a ZWJ sequence with modifiers. */
  public static final int MAX_EMOJI_BYTES = 32;

  private final Messenger messenger;
  private final Directory directory;
  private final MessageLifecycleStore store;
  private final Publisher publisher;
  private final InstantSource clock;
  private final LifecycleLimits limits;
  private final MessageIds ids;

  public MessageLifecycle(
      Messenger messenger,
      Directory directory,
      MessageLifecycleStore store,
      Publisher publisher,
      InstantSource clock) {
    this.messenger = messenger;
    this.directory = directory;
    this.store = store;
    this.publisher = publisher;
    this.clock = clock;
    this.limits = messenger.lifecycleLimits();
    this.ids = new MessageIds(clock);
  }

  /** Recalls a message as the user {@code who}: its sender, or a moderator of the group. */
  public CompletableFuture<AppendResult> recall(
      Principal who, ConversationId conversation, long seq) {
    try {
      messenger.requireReader(who, conversation);
      ChatMessage target = target(who.app(), conversation, seq);
      boolean moderator =
          conversation.kind() == ConversationId.Kind.GROUP
              && directory.isGroupModerator(who.app(), conversation.first(), who.user());
      if (!moderator) {
        if (!target.sender().equals(who.user())) {
          throw new WarblerException(
              ErrorCode.FORBIDDEN,
              "only the sender or a group moderator can recall message "
                  + seq
                  + " of "
                  + conversation);
        }
        if (!target.extras().recalled() && !within(target.sentAt(), limits.recallWindowSeconds())) {
          throw new WarblerException(
              ErrorCode.FORBIDDEN,
              "message "
                  + seq
                  + " is older than the recall window of "
                  + limits.recallWindowSeconds()
                  + " seconds (limits.recall-window-seconds); only a group moderator can recall"
                  + " it now");
        }
      }
      return change(who.app(), conversation, seq, who.user(), new ChangeRequest.Kind.Recall());
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Recalls any message at any time, as the app backend (the CHANGE entry has no sender). */
  public CompletableFuture<AppendResult> recallAsSystem(
      String app, ConversationId conversation, long seq) {
    try {
      target(app, conversation, seq);
      return change(
          app, conversation, seq, Messenger.SYSTEM_SENDER, new ChangeRequest.Kind.Recall());
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Replaces the text and payload of one's own message. */
  public CompletableFuture<AppendResult> edit(
      Principal who, ConversationId conversation, long seq, String text, String payload) {
    try {
      messenger.requireReader(who, conversation);
      requireMayChange(who, conversation);
      ChatMessage target = target(who.app(), conversation, seq);
      if (!target.sender().equals(who.user())) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "only the sender can edit message " + seq + " of " + conversation);
      }
      switch (target.type()) {
        case TEXT, MARKDOWN, CUSTOM -> {}
        case SYSTEM, CHANGE ->
            throw new WarblerException(
                ErrorCode.FORBIDDEN, target.type() + " messages cannot be edited");
      }
      if (target.extras().recalled()) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "message " + seq + " was recalled; it cannot be edited");
      }
      if (!within(target.sentAt(), limits.editWindowSeconds())) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN,
            "message "
                + seq
                + " is older than the edit window of "
                + limits.editWindowSeconds()
                + " seconds (limits.edit-window-seconds)");
      }
      messenger.checkBody(target.type(), text, payload);
      ContentFilter.Screened screened = messenger.screen(who.app(), who.user(), conversation, text);
      CompletableFuture<AppendResult> edited =
          change(
              who.app(),
              conversation,
              seq,
              who.user(),
              new ChangeRequest.Kind.Edit(screened.text(), payload));
      // The follow-up concerns the edited message, not the CHANGE entry that carries the edit.
      ContentFilter.AfterStored after = screened.afterStored();
      return Messenger.afterStored(
          edited,
          after == ContentFilter.AfterStored.NONE
              ? after
              : change -> after.stored(target.withBody(screened.text(), payload, target.extras())));
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Adds ({@code remove} false) or removes the user's reaction with {@code emoji}. */
  public CompletableFuture<AppendResult> react(
      Principal who, ConversationId conversation, long seq, String emoji, boolean remove) {
    try {
      messenger.requireReader(who, conversation);
      requireMayChange(who, conversation);
      checkEmoji(emoji);
      ChatMessage target = target(who.app(), conversation, seq);
      if (target.extras().recalled()) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "message " + seq + " was recalled; it takes no reactions");
      }
      return change(
          who.app(),
          conversation,
          seq,
          who.user(),
          new ChangeRequest.Kind.React(emoji, remove, limits.maxReactionKinds()));
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Hides a message from the user's own reads and tells the user's online devices (a tombstone
   * delivered to that user only). Returns the tombstone. Doing it again is harmless.
   */
  public ChatMessage deleteForMe(Principal who, ConversationId conversation, long seq) {
    messenger.requireReader(who, conversation);
    ChatMessage target = target(who.app(), conversation, seq);
    store.hide(who.app(), who.user(), conversation, seq);
    ChatMessage tombstone = target.tombstone();
    publisher.publish(new Delivery(tombstone, List.of(who.user())));
    return tombstone;
  }

  /** Sends a copy of a message the user can read; idempotent on the client message id. */
  public CompletableFuture<AppendResult> forward(Principal who, ForwardRequest request) {
    try {
      Ids.requireClientMsgId(request.clientMsgId());
      messenger.requireReader(who, request.from());
      ChatMessage source = target(who.app(), request.from(), request.fromSeq());
      if (source.extras().recalled()) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "message " + request.fromSeq() + " was recalled");
      }
      if (source.type() == MessageType.SYSTEM) {
        throw new WarblerException(
            ErrorCode.FORBIDDEN, "users cannot send SYSTEM messages, forwarded or not");
      }
      return messenger.send(
          who.app(),
          who.user(),
          new SendRequest(
              request.to(),
              request.clientMsgId(),
              source.type(),
              source.text(),
              source.payload(),
              SendOptions.NONE.withForwardedFrom(request.from() + "#" + request.fromSeq())));
    } catch (WarblerException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * An edit or reaction follows the send rules of a group: GROUP_NOT_FOUND when deleted, MUTED
   * while the member is muted or the group is muted for members.
   */
  private void requireMayChange(Principal who, ConversationId conversation) {
    if (conversation.kind() == ConversationId.Kind.GROUP) {
      directory.groups().requireSender(who.app(), conversation.first(), who.user());
    }
  }

  /** An emoji: 1-32 UTF-8 bytes, no whitespace, no control characters. */
  static void checkEmoji(String emoji) {
    int bytes = emoji.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > MAX_EMOJI_BYTES) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "emoji must be 1-" + MAX_EMOJI_BYTES + " UTF-8 bytes but has " + bytes);
    }
    boolean bad =
        emoji
            .codePoints()
            .anyMatch(cp ->
                Character.isWhitespace(cp)
                    || Character.isSpaceChar(cp)
                    || Character.isISOControl(cp)
                    || Character.getType(cp) == Character.SURROGATE);
    if (bad) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "emoji must not contain whitespace or control characters");
    }
  }

  private ChatMessage target(String app, ConversationId conversation, long seq) {
    if (seq <= 0) {
      throw new WarblerException(ErrorCode.INVALID_ARGUMENT, "seq must be positive");
    }
    ChatMessage target = messenger.requireMessage(app, conversation, seq);
    if (target.type() == MessageType.CHANGE) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT, "seq " + seq + " is a CHANGE entry, not a message");
    }
    return target;
  }

  /**
   * Stores a change (a CHANGE entry and the target's new state) and publishes the entry when it is
   * stored, like a message.
   */
  private CompletableFuture<AppendResult> change(
      String app, ConversationId conversation, long seq, String actor, ChangeRequest.Kind kind) {
    return messenger.published(store.change(request(app, conversation, seq, actor, kind)));
  }

  private ChangeRequest request(
      String app, ConversationId conversation, long seq, String actor, ChangeRequest.Kind kind) {
    return new ChangeRequest(app, conversation, seq, actor, ids.next(), clock.millis(), kind);
  }

  private boolean within(long sentAt, int windowSeconds) {
    return clock.millis() - sentAt < windowSeconds * 1000L;
  }
}
