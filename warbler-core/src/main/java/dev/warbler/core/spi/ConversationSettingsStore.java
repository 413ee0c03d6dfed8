package dev.warbler.core.spi;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationSettings;
import dev.warbler.core.messaging.ConversationState;
import java.util.List;
import java.util.Optional;

/**
 * Per-user conversation settings and the per-user conversation list, next to the {@link
 * MessageStore} that owns the member rows they live on. States returned here and by the message
 * store carry the same settings.
 *
 * <p>Guarantees: {@link #updateSettings} is durable when it returns and moves the user's member row
 * to a new change position, taken like every other sync position ({@link MessageStore}, "Sync"): in
 * commit order across every writer of the store, so above any position a reader has already seen
 * committed. {@link MessageStore#changedSince} therefore shows the change to the user's other
 * devices, even when another process or node wrote it. Thread-safe; methods may block on I/O.
 */
public interface ConversationSettingsStore {

  /**
   * Applies {@code change} to the user's settings of {@code conversation} and returns the resulting
   * state; empty if the user is not a member of it (for direct conversations: no message yet).
   */
  Optional<ConversationState> updateSettings(
      String app, String user, ConversationId conversation, ConversationSettings.Change change);

  /**
   * The user's conversations with ids greater than {@code afterId} ({@code ""} = from the first),
   * in id order, at most {@code limit}, each with its last message and the user's settings.
   */
  List<ConversationState> conversations(String app, String user, String afterId, int limit);
}
