package dev.warbler.store.postgres;

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
 * Every port over one PostgreSQL schema ({@code store.kind=postgres}): Flyway migrations at open, a
 * HikariCP pool, one writer thread with group commit shared by every port of the bundle, reads on
 * the pool. Several bundles (nodes) may open one schema at once (ADR 0021).
 */
public final class PostgresStores implements Stores {
  private final PostgresDatabase db;
  private final PostgresMessageStore messages;
  private final PostgresDirectoryStore directory;
  private final PostgresLifecycleStore lifecycle;
  private final PostgresGroupStore groups;
  private final PostgresChatroomStore chatrooms;
  private final PostgresContactStore contacts;
  private final PostgresConversationSettingsStore conversationSettings;
  private final PostgresReceiptStore receipts;
  private final PostgresProfileStore profiles;
  private final PostgresUsageStore usage;
  private final PostgresAccessStore access;
  private final PostgresDataKeyStore dataKeys;
  private final PostgresTemplateStore templates;
  private final PostgresModerationStore moderation;
  private final PostgresWebhookStore webhooks;

  /** Opens (creating and migrating when needed) the schema {@code config} names. */
  public PostgresStores(PostgresConfig config) {
    this.db = new PostgresDatabase(config);
    this.messages = new PostgresMessageStore(db);
    this.directory = new PostgresDirectoryStore(db);
    this.lifecycle = new PostgresLifecycleStore(db, messages);
    this.groups = new PostgresGroupStore(db, messages);
    this.chatrooms = new PostgresChatroomStore(db);
    this.contacts = new PostgresContactStore(db);
    this.conversationSettings = new PostgresConversationSettingsStore(db, messages);
    this.receipts = new PostgresReceiptStore(db);
    this.profiles = new PostgresProfileStore(db);
    this.usage = new PostgresUsageStore(db);
    this.access = new PostgresAccessStore(db);
    this.dataKeys = new PostgresDataKeyStore(db);
    this.templates = new PostgresTemplateStore(db);
    this.moderation = new PostgresModerationStore(db);
    this.webhooks = new PostgresWebhookStore(db);
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
    return new PostgresAuditLog(db, key);
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
   * PostgreSQL's {@code synchronous_commit} as the store's connections see it: {@code on} (the
   * default) makes every acked write durable on the server's disk before its ack.
   */
  public String synchronousCommit() {
    return db.read(c -> {
      try (java.sql.Statement s = c.createStatement();
          java.sql.ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
        rs.next();
        return rs.getString(1);
      }
    });
  }

  /** Batches committed by this bundle's writer since it opened; the server exports it. */
  public long commits() {
    return db.commits();
  }

  /** Batches run again after a serialization failure or a deadlock; the server exports it. */
  public long retries() {
    return db.writer().retries();
  }

  @Override
  public void close() {
    db.close();
  }

  /** The database under the ports; for this package's tests. */
  PostgresDatabase database() {
    return db;
  }
}
