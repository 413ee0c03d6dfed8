package dev.warbler.core.crypto;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.spi.ConversationSettingsStore;
import java.util.List;
import java.util.Optional;

/**
 * A {@link ConversationSettingsStore} whose states carry their last message with its body opened
 * (ADR 0011), like {@link EncryptingMessageStore}'s.
 */
public final class EncryptingConversationSettingsStore implements ConversationSettingsStore {
  private final ConversationSettingsStore store;
  private final AtRestEncryption crypto;

  public EncryptingConversationSettingsStore(
      ConversationSettingsStore store, AtRestEncryption crypto) {
    this.store = store;
    this.crypto = crypto;
  }

  @Override
  public Optional<ConversationState> updateSettings(
      String app, String user, ConversationId conversation, ConversationSettings.Change change) {
    return store.updateSettings(app, user, conversation, change).map(this::open);
  }

  @Override
  public List<ConversationState> conversations(String app, String user, String afterId, int limit) {
    return store.conversations(app, user, afterId, limit).stream().map(this::open).toList();
  }

  private ConversationState open(ConversationState s) {
    return s.lastMessage().isEmpty() ? s : s.withLastMessage(s.lastMessage().map(crypto::open));
  }
}
