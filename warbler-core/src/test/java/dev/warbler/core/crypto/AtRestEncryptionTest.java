package dev.warbler.core.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.DataKeyStore;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sealing and opening bodies, key versions and the master key, without a store or a server. */
class AtRestEncryptionTest {
  private static final ConversationId CHAT = ConversationId.direct("alice", "bob");
  private static final byte[] MASTER = key(1);

  static byte[] key(int seed) {
    byte[] k = new byte[32];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (seed * 31 + i);
    }
    return k;
  }

  /** Data keys in memory. */
  static final class MemoryKeys implements DataKeyStore {
    final List<DataKey> keys = new ArrayList<>();
    boolean enabled;

    @Override
    public boolean enabled(String app) {
      return enabled;
    }

    @Override
    public void setEnabled(String app, boolean on, long at) {
      enabled = on;
    }

    @Override
    public List<DataKey> keys(String app) {
      return keys.stream().filter(k -> k.app().equals(app)).toList();
    }

    @Override
    public List<DataKey> allKeys() {
      return List.copyOf(keys);
    }

    @Override
    public boolean addKey(DataKey key) {
      return keys.add(key);
    }

    @Override
    public void rewrap(DataKey key) {
      keys.replaceAll(k -> k.app().equals(key.app()) && k.version() == key.version() ? key : k);
    }
  }

  private final MemoryKeys store = new MemoryKeys();
  private final AtRestEncryption crypto =
      new AtRestEncryption(store, MasterKeys.of(MASTER, List.of()), InstantSource.system());

  private String seal(String body) {
    return crypto.seal(crypto.sealingKey("bank"), "bank", CHAT, AtRestEncryption.TEXT, body);
  }

  @Test
  void aSealedBodyOpensOnlyInItsAppConversationAndField() {
    crypto.setEnabled("bank", true);
    String sealed = seal("balance 1234.56");

    assertThat(sealed).startsWith(AtRestEncryption.SEALED).doesNotContain("1234");
    assertThat(seal("balance 1234.56")).isNotEqualTo(sealed); // random nonce
    assertThat(crypto.open("bank", CHAT, AtRestEncryption.TEXT, sealed))
        .isEqualTo("balance 1234.56");
    ConversationId other = ConversationId.direct("alice", "carol");
    assertThatThrownBy(() -> crypto.open("bank", other, AtRestEncryption.TEXT, sealed))
        .hasMessageContaining("authentication failed");
    assertThatThrownBy(() -> crypto.open("bank", CHAT, AtRestEncryption.PAYLOAD, sealed))
        .hasMessageContaining("authentication failed");
  }

  @Test
  void aMessageWithAnAlteredBodyComesBackUndecryptableWithItsMetadata() {
    crypto.setEnabled("bank", true);
    byte[] blob = Base64.getDecoder().decode(seal("hello").substring(2));
    blob[blob.length - 1] ^= 1;
    String altered = AtRestEncryption.SEALED + Base64.getEncoder().encodeToString(blob);
    ChatMessage m =
        new ChatMessage("bank", CHAT, 7, "id7", "c7", "alice", MessageType.TEXT, altered, "", 1L);

    ChatMessage opened = crypto.open(m);

    assertThat(opened.extras().undecryptable()).isTrue();
    assertThat(opened.text()).isEmpty();
    assertThat(opened.seq()).isEqualTo(7);
    assertThat(opened.sender()).isEqualTo("alice");
  }

  @Test
  void plainBodiesPassAndOnesThatLookSealedAreEscaped() {
    String looksSealed = AtRestEncryption.SEALED + "abc";
    String stored = crypto.seal(null, "shop", CHAT, AtRestEncryption.TEXT, looksSealed);
    assertThat(stored).startsWith(AtRestEncryption.ESCAPED);
    assertThat(crypto.open("shop", CHAT, AtRestEncryption.TEXT, stored)).isEqualTo(looksSealed);
    assertThat(crypto.seal(null, "shop", CHAT, AtRestEncryption.TEXT, "hi")).isEqualTo("hi");
    assertThat(crypto.open("shop", CHAT, AtRestEncryption.TEXT, "hi")).isEqualTo("hi");
  }

  @Test
  void rotationSealsWithTheNewVersionAndOpensTheOldOne() {
    crypto.setEnabled("bank", true);
    String v1 = seal("one");
    assertThat(crypto.rotate("bank").keyVersion()).isEqualTo(2);
    String v2 = seal("two");
    assertThat(Base64.getDecoder().decode(v2.substring(2))[4]).isEqualTo((byte) 2);
    assertThat(crypto.open("bank", CHAT, AtRestEncryption.TEXT, v1)).isEqualTo("one");
    assertThat(crypto.open("bank", CHAT, AtRestEncryption.TEXT, v2)).isEqualTo("two");
  }

  @Test
  void theMasterKeyIsCheckedAndRotated() {
    crypto.setEnabled("bank", true);
    String sealed = seal("kept");
    MasterKeys wrong = MasterKeys.of(key(2), List.of());
    assertThatThrownBy(() -> new AtRestEncryption(store, wrong, InstantSource.system()).rewrapAll())
        .hasMessageContaining("wrong master key");
    assertThatThrownBy(() ->
            new AtRestEncryption(store, MasterKeys.none(), InstantSource.system()).rewrapAll())
        .hasMessageContaining("no security.master-key");

    AtRestEncryption rotated =
        new AtRestEncryption(store, MasterKeys.of(key(2), List.of(MASTER)), InstantSource.system());
    assertThat(rotated.rewrapAll()).isEqualTo(1);
    assertThat(store.keys.get(0).masterKeyId()).isEqualTo(MasterKeys.id(key(2)));
    AtRestEncryption newOnly =
        new AtRestEncryption(store, MasterKeys.of(key(2), List.of()), InstantSource.system());
    assertThat(newOnly.rewrapAll()).isZero();
    assertThat(newOnly.open("bank", CHAT, AtRestEncryption.TEXT, sealed)).isEqualTo("kept");
  }

  @Test
  void withoutAMasterKeyEncryptionCannotBeTurnedOn() {
    AtRestEncryption none = AtRestEncryption.disabled(InstantSource.system());
    assertThatThrownBy(() -> none.setEnabled("bank", true))
        .isInstanceOfSatisfying(
            WarblerException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.ENCRYPTION_NOT_CONFIGURED));
    assertThat(none.sealingKey("bank")).isNull();
  }
}
