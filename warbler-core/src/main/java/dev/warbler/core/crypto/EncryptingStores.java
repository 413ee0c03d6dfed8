package dev.warbler.core.crypto;

import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.spi.AccessStore;
import dev.warbler.core.spi.AuditLog;
import dev.warbler.core.spi.ChatroomStore;
import dev.warbler.core.spi.ContactStore;
import dev.warbler.core.spi.ConversationSettingsStore;
import dev.warbler.core.spi.DataKeyStore;
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
 * A store bundle with encryption at rest applied (ADR 0011): the message, lifecycle and
 * conversation-settings ports seal and open message bodies ({@link EncryptingMessageStore} and its
 * siblings), the directory seals app secrets ({@link SealingDirectoryStore}); every other port is
 * the wrapped bundle's own. Any store kind gets encryption at rest by being wrapped, which is how
 * the server uses every kind and how the store contracts check that sealing keeps each guarantee.
 */
public final class EncryptingStores implements Stores {
  private final Stores stores;
  private final EncryptingMessageStore messages;
  private final EncryptingLifecycleStore lifecycle;
  private final EncryptingConversationSettingsStore conversationSettings;
  private final SealingDirectoryStore directory;

  /**
   * @param encryption the data keys of {@code stores} under the master key (see {@link
   *     AtRestEncryption#rewrapAll})
   * @param masterKeys seals app secrets; the same master key as {@code encryption}'s
   */
  public EncryptingStores(Stores stores, AtRestEncryption encryption, MasterKeys masterKeys) {
    this.stores = stores;
    this.messages = new EncryptingMessageStore(stores.messages(), encryption);
    this.lifecycle = new EncryptingLifecycleStore(stores.lifecycle(), messages, encryption);
    this.conversationSettings =
        new EncryptingConversationSettingsStore(stores.conversationSettings(), encryption);
    this.directory = new SealingDirectoryStore(stores.directory(), masterKeys);
  }

  @Override
  public MessageStore messages() {
    return messages;
  }

  @Override
  public MessageLifecycleStore lifecycle() {
    return lifecycle;
  }

  /** The directory that seals app secrets; {@link SealingDirectoryStore#sealAll} runs at start. */
  @Override
  public SealingDirectoryStore directory() {
    return directory;
  }

  @Override
  public GroupStore groups() {
    return stores.groups();
  }

  @Override
  public ChatroomStore chatrooms() {
    return stores.chatrooms();
  }

  @Override
  public ContactStore contacts() {
    return stores.contacts();
  }

  @Override
  public ConversationSettingsStore conversationSettings() {
    return conversationSettings;
  }

  @Override
  public ReceiptStore receipts() {
    return stores.receipts();
  }

  @Override
  public ProfileStore profiles() {
    return stores.profiles();
  }

  @Override
  public UsageStore usage() {
    return stores.usage();
  }

  @Override
  public AccessStore access() {
    return stores.access();
  }

  @Override
  public AuditLog auditLog(AuditKey key) {
    return stores.auditLog(key);
  }

  @Override
  public DataKeyStore dataKeys() {
    return stores.dataKeys();
  }

  @Override
  public TemplateStore templates() {
    return stores.templates();
  }

  /** Word lists and review items hold no message text, so nothing is sealed. */
  @Override
  public dev.warbler.core.spi.ModerationStore moderation() {
    return stores.moderation();
  }

  @Override
  public WebhookStore webhooks() {
    return stores.webhooks();
  }

  /** Closes the wrapped bundle. */
  @Override
  public void close() {
    stores.close();
  }
}
