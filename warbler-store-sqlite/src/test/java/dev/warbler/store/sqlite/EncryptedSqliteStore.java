package dev.warbler.store.sqlite;

import dev.warbler.core.crypto.AtRestEncryption;
import dev.warbler.core.crypto.EncryptingLifecycleStore;
import dev.warbler.core.crypto.EncryptingMessageStore;
import dev.warbler.core.crypto.MasterKeys;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.groups.Group;
import dev.warbler.core.messaging.AppendResult;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessagePage;
import dev.warbler.core.messaging.SyncPage;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.NewMessage;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The embedded store behind the encryption-at-rest decorators, with encryption on for {@code apps}:
 * the store contracts run over it to show that sealing keeps every port guarantee.
 */
final class EncryptedSqliteStore implements MessageStore, DirectoryStore, AutoCloseable {
  /** A fixed master key: a reopened store must open what the closed one sealed. */
  private static final byte[] MASTER = new byte[MasterKeys.KEY_BYTES];

  static {
    for (int i = 0; i < MASTER.length; i++) {
      MASTER[i] = (byte) (i * 7 + 1);
    }
  }

  final SqliteStore base;
  final AtRestEncryption crypto;
  final EncryptingMessageStore messages;

  EncryptedSqliteStore(Path dir, List<String> apps) {
    this.base = new SqliteStore(SqliteConfig.defaults(dir.resolve("warbler.db")));
    this.crypto =
        new AtRestEncryption(
            new SqliteDataKeyStore(base), MasterKeys.of(MASTER, List.of()), InstantSource.system());
    crypto.rewrapAll();
    for (String app : apps) {
      if (!crypto.status(app).enabled()) {
        crypto.setEnabled(app, true);
      }
    }
    this.messages = new EncryptingMessageStore(base, crypto);
  }

  MessageLifecycleStore lifecycle() {
    return new EncryptingLifecycleStore(new SqliteLifecycleStore(base), messages, crypto);
  }

  @Override
  public CompletableFuture<AppendResult> append(NewMessage message) {
    return messages.append(message);
  }

  @Override
  public void onAppend(Consumer<ChatMessage> listener) {
    messages.onAppend(listener);
  }

  @Override
  public Optional<ChatMessage> message(String app, ConversationId conversation, long seq) {
    return messages.message(app, conversation, seq);
  }

  @Override
  public MessagePage after(String app, ConversationId conversation, long afterSeq, int limit) {
    return messages.after(app, conversation, afterSeq, limit);
  }

  @Override
  public MessagePage before(String app, ConversationId conversation, long beforeSeq, int limit) {
    return messages.before(app, conversation, beforeSeq, limit);
  }

  @Override
  public SyncPage changedSince(String app, String user, long cursor, int limit) {
    return messages.changedSince(app, user, cursor, limit);
  }

  @Override
  public Optional<ConversationState> state(String app, String user, ConversationId conversation) {
    return messages.state(app, user, conversation);
  }

  @Override
  public Optional<ConversationState> markRead(
      String app, String user, ConversationId conversation, long seq) {
    return messages.markRead(app, user, conversation, seq);
  }

  @Override
  public boolean createApp(App app) {
    return base.createApp(app);
  }

  @Override
  public boolean updateAppSecret(String id, String secret) {
    return base.updateAppSecret(id, secret);
  }

  @Override
  public Optional<App> app(String id) {
    return base.app(id);
  }

  @Override
  public List<App> apps() {
    return base.apps();
  }

  @Override
  public boolean createUser(User user) {
    return base.createUser(user);
  }

  @Override
  public Optional<User> user(String app, String id) {
    return base.user(app, id);
  }

  @Override
  public boolean deleteUser(String app, String id, long deletedAt) {
    return base.deleteUser(app, id, deletedAt);
  }

  @Override
  public boolean retired(String app, String id) {
    return base.retired(app, id);
  }

  @Override
  public boolean createGroup(Group group, Collection<String> members) {
    return base.createGroup(group, members);
  }

  @Override
  public Optional<Group> group(String app, String id) {
    return base.group(app, id);
  }

  @Override
  public List<String> addMembers(String app, String group, Collection<String> users) {
    return base.addMembers(app, group, users);
  }

  @Override
  public List<String> removeMembers(String app, String group, Collection<String> users) {
    return base.removeMembers(app, group, users);
  }

  @Override
  public List<String> members(String app, String group) {
    return base.members(app, group);
  }

  @Override
  public void close() {
    base.close();
  }
}
