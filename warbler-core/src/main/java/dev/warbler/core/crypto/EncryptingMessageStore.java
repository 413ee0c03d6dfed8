package dev.warbler.core.crypto;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MessageStore} that seals message bodies of the apps that encrypt at rest before they
 * reach the store it wraps, and opens them on every read (ADR 0011). Any store implementation gets
 * encryption at rest by being wrapped.
 *
 * <p>An append's result (which the core publishes) carries the plain body it was given, not a
 * decrypted copy: fan-out costs no cryptography.
 */
public final class EncryptingMessageStore implements MessageStore {
  private final MessageStore store;
  private final AtRestEncryption crypto;

  public EncryptingMessageStore(MessageStore store, AtRestEncryption crypto) {
    this.store = store;
    this.crypto = crypto;
  }

  @Override
  public CompletableFuture<AppendResult> append(NewMessage m) {
    AtRestEncryption.SealingKey key = crypto.sealingKey(m.app());
    String text = crypto.seal(key, m.app(), m.conversation(), AtRestEncryption.TEXT, m.text());
    String payload =
        crypto.seal(key, m.app(), m.conversation(), AtRestEncryption.PAYLOAD, m.payload());
    if (text.equals(m.text()) && payload.equals(m.payload())) {
      return store.append(m).thenApply(this::open);
    }
    NewMessage sealed =
        new NewMessage(
            m.app(),
            m.conversation(),
            m.id(),
            m.clientMsgId(),
            m.sender(),
            m.type(),
            text,
            payload,
            m.sentAt(),
            m.options());
    return store
        .append(sealed)
        .thenApply(r -> r.duplicate() ? open(r) : new AppendResult(plain(r.message(), m), false));
  }

  private static ChatMessage plain(ChatMessage stored, NewMessage m) {
    return stored.withBody(m.text(), m.payload(), stored.extras());
  }

  private AppendResult open(AppendResult r) {
    ChatMessage m = crypto.open(r.message());
    return m == r.message() ? r : new AppendResult(m, r.duplicate());
  }

  @Override
  public Optional<ChatMessage> message(String app, ConversationId conversation, long seq) {
    return store.message(app, conversation, seq).map(crypto::open);
  }

  @Override
  public MessagePage after(String app, ConversationId conversation, long afterSeq, int limit) {
    return open(store.after(app, conversation, afterSeq, limit));
  }

  @Override
  public MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit) {
    return open(store.before(app, conversation, beforeSeq, limit));
  }

  private MessagePage open(MessagePage page) {
    List<ChatMessage> out = null;
    List<ChatMessage> in = page.messages();
    for (int i = 0; i < in.size(); i++) {
      ChatMessage m = in.get(i);
      ChatMessage opened = crypto.open(m);
      if (opened != m && out == null) {
        out = new ArrayList<>(in.subList(0, i));
      }
      if (out != null) {
        out.add(opened);
      }
    }
    return out == null ? page : new MessagePage(page.conversation(), out, page.more());
  }

  @Override
  public SyncPage changedSince(String app, String user, long cursor, int limit) {
    SyncPage page = store.changedSince(app, user, cursor, limit);
    List<ConversationState> states = new ArrayList<>(page.conversations().size());
    for (ConversationState s : page.conversations()) {
      states.add(open(s));
    }
    return new SyncPage(states, page.cursor(), page.more());
  }

  private ConversationState open(ConversationState s) {
    return s.lastMessage().isEmpty() ? s : s.withLastMessage(s.lastMessage().map(crypto::open));
  }

  @Override
  public Optional<ConversationState> state(String app, String user, ConversationId conversation) {
    return store.state(app, user, conversation).map(this::open);
  }

  @Override
  public Optional<ConversationState> markRead(
      String app, String user, ConversationId conversation, long seq) {
    return store.markRead(app, user, conversation, seq).map(this::open);
  }
}
