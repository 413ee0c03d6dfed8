package dev.warbler.core.crypto;

import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.ChangeRequest;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MessageLifecycleStore} that seals the new body of an edit like {@link
 * EncryptingMessageStore} seals a sent one, and opens what it returns (ADR 0011).
 */
public final class EncryptingLifecycleStore implements MessageLifecycleStore {
  private final MessageLifecycleStore store;
  private final MessageStore messages;
  private final AtRestEncryption crypto;

  /**
   * {@code messages} is the encrypting message store over the same data: it reads an edit's target
   * with its body opened.
   */
  public EncryptingLifecycleStore(
      MessageLifecycleStore store, EncryptingMessageStore messages, AtRestEncryption crypto) {
    this.store = store;
    this.messages = messages;
    this.crypto = crypto;
  }

  @Override
  public CompletableFuture<AppendResult> change(ChangeRequest r) {
    if (!(r.kind() instanceof ChangeRequest.Kind.Edit edit)) {
      return store.change(r).thenApply(this::open);
    }
    AtRestEncryption.SealingKey key = crypto.sealingKey(r.app());
    if (key != null) {
      // A sealed body never equals the stored one (random nonces): find the no-op edit here.
      Optional<ChatMessage> target = messages.message(r.app(), r.conversation(), r.targetSeq());
      if (target.isPresent()
          && target.get().type() != MessageType.CHANGE
          && !target.get().extras().recalled()
          && !target.get().extras().undecryptable()
          && target.get().text().equals(edit.text())
          && target.get().payload().equals(edit.payload())) {
        return CompletableFuture.completedFuture(new AppendResult(target.get(), true));
      }
    }
    ChangeRequest sealed =
        new ChangeRequest(
            r.app(),
            r.conversation(),
            r.targetSeq(),
            r.actor(),
            r.id(),
            r.at(),
            new ChangeRequest.Kind.Edit(
                crypto.seal(key, r.app(), r.conversation(), AtRestEncryption.TEXT, edit.text()),
                crypto.seal(
                    key, r.app(), r.conversation(), AtRestEncryption.PAYLOAD, edit.payload())));
    return store.change(sealed).thenApply(this::open);
  }

  private AppendResult open(AppendResult r) {
    ChatMessage m = crypto.open(r.message());
    return m == r.message() ? r : new AppendResult(m, r.duplicate());
  }

  @Override
  public boolean hide(String app, String user, ConversationId conversation, long seq) {
    return store.hide(app, user, conversation, seq);
  }

  @Override
  public Set<Long> hidden(
      String app, String user, ConversationId conversation, Collection<Long> seqs) {
    return store.hidden(app, user, conversation, seqs);
  }

  @Override
  public Map<Long, Set<String>> reactionsOf(
      String app, String user, ConversationId conversation, long fromSeq, long toSeq) {
    return store.reactionsOf(app, user, conversation, fromSeq, toSeq);
  }
}
