package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.server.TestCertificates.Generated;
import dev.warbler.server.TestCertificates.KeyFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the PEM files of {@code tls.cert-file} and {@code tls.key-file}, and start checks. */
class TlsCredentialsTest {
  @TempDir Path dir;

  private Path cert() {
    return dir.resolve("cert.pem");
  }

  private Path key() {
    return dir.resolve("key.pem");
  }

  @Test
  void readsAPkcs8EcKeyAndItsCertificate() {
    Generated g = TestCertificates.ec("pkcs8-ec", 11);
    g.writeTo(cert(), key(), KeyFormat.PKCS8);

    TlsCredentials c = TlsCredentials.load(cert(), key());

    assertThat(c.leaf()).isEqualTo(g.certificate());
    assertThat(c.key().getEncoded()).isEqualTo(g.keys().getPrivate().getEncoded());
    assertThat(c.describe()).contains("CN=pkcs8-ec").contains("serial b");
  }

  @Test
  void readsASec1EcKey() {
    Generated g = TestCertificates.ec("sec1", 12);
    g.writeTo(cert(), key(), KeyFormat.TRADITIONAL);
    assertThat(TestCertificates.pem(g.keys().getPrivate())).contains("BEGIN EC PRIVATE KEY");

    TlsCredentials c = TlsCredentials.load(cert(), key());

    assertThat(c.key().getAlgorithm()).isEqualTo("EC");
    assertThat(c.leaf().getSerialNumber()).isEqualTo(12);
  }

  @Test
  void readsPkcs1AndPkcs8RsaKeys() {
    Generated g = TestCertificates.rsa("rsa", 13);
    g.writeTo(cert(), key(), KeyFormat.TRADITIONAL);
    assertThat(TestCertificates.pem(g.keys().getPrivate())).contains("BEGIN RSA PRIVATE KEY");
    assertThat(TlsCredentials.load(cert(), key()).key().getEncoded())
        .isEqualTo(g.keys().getPrivate().getEncoded());

    g.writeTo(cert(), key(), KeyFormat.PKCS8);
    assertThat(TlsCredentials.load(cert(), key()).key().getEncoded())
        .isEqualTo(g.keys().getPrivate().getEncoded());
  }

  @Test
  void keepsTheChainInFileOrderLeafFirst() throws Exception {
    Generated leaf = TestCertificates.ec("leaf", 1);
    Generated other = TestCertificates.ec("intermediate", 2);
    leaf.writeTo(cert(), key());
    Files.writeString(
        cert(),
        "subject=CN=leaf\n"
            + TestCertificates.pem(leaf.certificate())
            + TestCertificates.pem(other.certificate()));

    TlsCredentials c = TlsCredentials.load(cert(), key());

    assertThat(c.chain()).containsExactly(leaf.certificate(), other.certificate());
  }

  @Test
  void aKeyOfAnotherCertificateIsRefusedNamingBothSettings() {
    TestCertificates.ec("one", 1).writeTo(cert(), dir.resolve("unused.pem"));
    TestCertificates.ec("two", 2).writeTo(dir.resolve("unused-cert.pem"), key());

    assertThatThrownBy(() -> TlsCredentials.load(cert(), key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.key-file " + key())
        .hasMessageContaining("does not hold the private key of the certificate in tls.cert-file");
  }

  @Test
  void anRsaKeyForAnEcCertificateIsRefused() {
    TestCertificates.ec("ec", 1).writeTo(cert(), dir.resolve("unused.pem"));
    TestCertificates.rsa("rsa", 2).writeTo(dir.resolve("unused-cert.pem"), key());

    assertThatThrownBy(() -> TlsCredentials.load(cert(), key()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tls.key-file");
  }

  @Test
  void aMissingFileIsNamedWithItsSetting() {
    TestCertificates.ec("x", 1).writeTo(cert(), key());

    assertThatThrownBy(() -> TlsCredentials.load(dir.resolve("nope.pem"), key()))
        .hasMessageContaining("tls.cert-file: cannot read " + dir.resolve("nope.pem"));
    assertThatThrownBy(() -> TlsCredentials.load(cert(), dir.resolve("nope.pem")))
        .hasMessageContaining("tls.key-file: cannot read");
  }

  @Test
  void filesWithoutPemBlocksAreRefused() throws Exception {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    Files.writeString(dir.resolve("junk.pem"), "this is not PEM\n");

    assertThatThrownBy(() -> TlsCredentials.load(dir.resolve("junk.pem"), key()))
        .hasMessageContaining("tls.cert-file")
        .hasMessageContaining("no PEM 'CERTIFICATE' block");
    assertThatThrownBy(() -> TlsCredentials.load(cert(), dir.resolve("junk.pem")))
        .hasMessageContaining("tls.key-file")
        .hasMessageContaining("no PEM 'PRIVATE KEY'");
  }

  @Test
  void aCorruptCertificateIsRefused() throws Exception {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    Files.writeString(
        cert(), "-----BEGIN CERTIFICATE-----\nAAAABBBBCCCC\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> TlsCredentials.load(cert(), key()))
        .hasMessageContaining("tls.cert-file " + cert() + " holds an unreadable certificate");
  }

  @Test
  void anEncryptedKeyIsRefusedWithAHint() throws Exception {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    Files.writeString(
        key(),
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAABBBBCCCC\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> TlsCredentials.load(cert(), key()))
        .hasMessageContaining("tls.key-file")
        .hasMessageContaining("encrypted");
  }

  @Test
  void aLegacyOpenSslEncryptedKeyIsRefused() throws Exception {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    Files.writeString(
        key(),
        "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
            + "AAAABBBBCCCC\n-----END EC PRIVATE KEY-----\n");

    assertThatThrownBy(() -> TlsCredentials.load(cert(), key()))
        .hasMessageContaining("tls.key-file " + key())
        .hasMessageContaining("encrypted");
  }

  @Test
  void theFingerprintChangesWithEitherFile() throws Exception {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    String before = TlsCredentials.fingerprintOf(cert(), key());
    assertThat(TlsCredentials.load(cert(), key()).fingerprint()).isEqualTo(before);

    Files.writeString(key(), Files.readString(key()) + "\n");

    assertThat(TlsCredentials.fingerprintOf(cert(), key())).isNotEqualTo(before);
  }

  // ---- start-up checks: a misconfiguration fails the start, naming the setting ---------------

  private void assertStartFails(Map<Setting, String> overrides, String message) {
    assertThatThrownBy(() -> TestServer.start(dir.resolve("data"), overrides).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void tlsWithoutFilesDoesNotStart() {
    assertStartFails(
        Map.of(Setting.TLS_ENABLED, "true"),
        "tls.cert-file must name a PEM file when tls.enabled is true (WARBLER_TLS_CERT_FILE)");
  }

  @Test
  void tlsWithAMissingKeyFileDoesNotStart() {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    assertStartFails(
        Map.of(
            Setting.TLS_ENABLED, "true",
            Setting.TLS_CERT_FILE, cert().toString(),
            Setting.TLS_KEY_FILE, dir.resolve("missing.pem").toString()),
        "tls.key-file: cannot read");
  }

  @Test
  void legacyProtocolsCannotBeConfigured() {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    for (String protocols : new String[] {"TLSv1.2,TLSv1.1", "TLSv1", "SSLv3", " "}) {
      assertStartFails(
          Map.of(
              Setting.TLS_ENABLED,
              "true",
              Setting.TLS_CERT_FILE,
              cert().toString(),
              Setting.TLS_KEY_FILE,
              key().toString(),
              Setting.TLS_PROTOCOLS,
              protocols),
          "tls.protocols may list only TLSv1.3 and TLSv1.2");
    }
  }

  @Test
  void aNegativeReloadIntervalDoesNotStart() {
    TestCertificates.ec("x", 1).writeTo(cert(), key());
    assertStartFails(
        Map.of(
            Setting.TLS_ENABLED,
            "true",
            Setting.TLS_CERT_FILE,
            cert().toString(),
            Setting.TLS_KEY_FILE,
            key().toString(),
            Setting.TLS_RELOAD_INTERVAL_SECONDS,
            "-1"),
        "tls.reload-interval-seconds must be 0 (never) or positive");
  }

  @Test
  void tlsIsOffByDefault() {
    assertThat(Settings.defaults().bool(Setting.TLS_ENABLED)).isFalse();
    assertThat(Settings.defaults().list(Setting.TLS_PROTOCOLS))
        .containsExactly("TLSv1.3", "TLSv1.2");
  }
}
