package dev.warbler.core.spi;

import dev.warbler.core.audit.AuditKey;

/**
 * Every store port the core needs, over one database: a store kind (SQLite today, PostgreSQL next)
 * is one implementation of this interface, chosen by the server's {@code store.kind}. The ports
 * share the database, so the guarantees that span two ports hold (a group change and its event
 * message in one transaction, a deleted user erased from every port's tables, one sync order for
 * messages, memberships and settings).
 *
 * <p>Each method returns the same port every time it is called (the audit log: ask once per key).
 * Thread-safe. {@link #close} lets the writes already accepted finish, then closes every port;
 * writes after it fail with UNAVAILABLE. The store contracts of {@code warbler-testkit} run against
 * every implementation.
 */
public interface Stores extends AutoCloseable {

  MessageStore messages();

  MessageLifecycleStore lifecycle();

  DirectoryStore directory();

  GroupStore groups();

  ChatroomStore chatrooms();

  ContactStore contacts();

  ConversationSettingsStore conversationSettings();

  ReceiptStore receipts();

  ProfileStore profiles();

  UsageStore usage();

  AccessStore access();

  /**
   * The audit log, keying each appended entry's chain link with {@code key}. The key belongs to the
   * deployment, not to the store (the store must never hold it), so it is given here; a node asks
   * once, with its one key.
   */
  AuditLog auditLog(AuditKey key);

  DataKeyStore dataKeys();

  TemplateStore templates();

  ModerationStore moderation();

  WebhookStore webhooks();

  @Override
  void close();
}
