package dev.warbler.store.sqlite;

import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.AuditLog;
import dev.warbler.core.spi.ChatroomStore;
import dev.warbler.core.spi.ContactStore;
import dev.warbler.core.spi.ConversationSettingsStore;
import dev.warbler.core.spi.DataKeyStore;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.MessageLifecycleStore;
import dev.warbler.core.spi.MessageStore;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.ReceiptStore;
import dev.warbler.core.spi.Stores;
import dev.warbler.core.spi.TemplateStore;
import dev.warbler.core.spi.UsageStore;
import dev.warbler.core.spi.WebhookStore;

/**
 * Every port over one SQLite database ({@code store.kind=sqlite}, the default): one file in WAL
 * mode, Flyway migrations at open, one writer thread with group commit shared by every port, and a
 * small pool of read-only connections.
 */
public final class SqliteStores implements Stores {
  private final SqliteDatabase db;
  private final SqliteMessageStore messages;
  private final SqliteDirectoryStore directory;
  private final SqliteLifecycleStore lifecycle;
  private final SqliteGroupStore groups;
  private final SqliteChatroomStore chatrooms;
  private final SqliteContactStore contacts;
  private final SqliteConversationSettingsStore conversationSettings;
  private final SqliteReceiptStore receipts;
  private final SqliteProfileStore profiles;
  private final SqliteUsageStore usage;
  private final SqliteAccessStore access;
  private final SqliteDataKeyStore dataKeys;
  private final SqliteTemplateStore templates;
  private final SqliteModerationStore moderation;
  private final SqliteWebhookStore webhooks;

  /** Opens (creating and migrating when needed) the database {@code config} names. */
  public SqliteStores(SqliteConfig config) {
    this.db = new SqliteDatabase(config);
    this.messages = new SqliteMessageStore(db);
    this.directory = new SqliteDirectoryStore(db);
    this.lifecycle = new SqliteLifecycleStore(db, messages);
    this.groups = new SqliteGroupStore(db, messages);
    this.chatrooms = new SqliteChatroomStore(db);
    this.contacts = new SqliteContactStore(db);
    this.conversationSettings = new SqliteConversationSettingsStore(db, messages);
    this.receipts = new SqliteReceiptStore(db);
    this.profiles = new SqliteProfileStore(db);
    this.usage = new SqliteUsageStore(db);
    this.access = new SqliteAccessStore(db);
    this.dataKeys = new SqliteDataKeyStore(db);
    this.templates = new SqliteTemplateStore(db);
    this.moderation = new SqliteModerationStore(db);
    this.webhooks = new SqliteWebhookStore(db);
  }

  @Override
  public MessageStore messages() {
    return messages;
  }

  @Override
  public MessageLifecycleStore lifecycle() {
    return lifecycle;
  }

  @Override
  public DirectoryStore directory() {
    return directory;
  }

  @Override
  public GroupStore groups() {
    return groups;
  }

  @Override
  public ChatroomStore chatrooms() {
    return chatrooms;
  }

  @Override
  public ContactStore contacts() {
    return contacts;
  }

  @Override
  public ConversationSettingsStore conversationSettings() {
    return conversationSettings;
  }

  @Override
  public ReceiptStore receipts() {
    return receipts;
  }

  @Override
  public ProfileStore profiles() {
    return profiles;
  }

  @Override
  public UsageStore usage() {
    return usage;
  }

  @Override
  public AccessStore access() {
    return access;
  }

  @Override
  public AuditLog auditLog(AuditKey key) {
    return new SqliteAuditLog(db, key);
  }

  @Override
  public DataKeyStore dataKeys() {
    return dataKeys;
  }

  @Override
  public TemplateStore templates() {
    return templates;
  }

  @Override
  public dev.warbler.core.spi.ModerationStore moderation() {
    return moderation;
  }

  @Override
  public WebhookStore webhooks() {
    return webhooks;
  }

  /**
   * The writer connection's {@code PRAGMA synchronous} as SQLite reports it (0 OFF, 1 NORMAL, 2
   * FULL): what {@link Durability} became. Runs on the writer; the server exports it as a gauge.
   */
  public int synchronous() {
    return db.synchronous();
  }

  /** Batches committed by the writer since the database opened; for tests of group commit. */
  long commits() {
    return db.commits();
  }

  @Override
  public void close() {
    db.close();
  }

  /** The database under the ports; for this package's tests. */
  SqliteDatabase database() {
    return db;
  }
}
