package dev.warbler.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server certificate chain and its private key, read from the PEM files named by {@code
 * tls.cert-file} and {@code tls.key-file}. The chain is the leaf first, then intermediates; the key
 * is unencrypted PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or SEC1 EC
 * ({@code EC PRIVATE KEY}). {@link #load} checks that the key belongs to the leaf certificate, so a
 * mismatched pair fails here with a message naming the setting, not at the first handshake.
 *
 * @param key the leaf's private key
 * @param chain leaf first; never empty
 * @param fingerprint SHA-256 over both files' bytes: tells a reload whether anything changed
 */
record TlsCredentials(PrivateKey key, List<X509Certificate> chain, String fingerprint) {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  TlsCredentials {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least one certificate");
    }
  }

  X509Certificate leaf() {
    return chain.getFirst();
  }

  /** Subject, serial and expiry of the leaf, for logs. */
  String describe() {
    X509Certificate leaf = leaf();
    return "subject '"
        + leaf.getSubjectX500Principal().getName()
        + "' serial "
        + leaf.getSerialNumber().toString(16)
        + " valid until "
        + leaf.getNotAfter().toInstant();
  }

  /**
   * Reads and checks both files. Throws {@link IllegalArgumentException} whose message names the
   * setting and the file: missing or unreadable file, no PEM block, an encrypted or unsupported
   * key, or a key that does not belong to the certificate.
   */
  static TlsCredentials load(Path certFile, Path keyFile) {
    byte[] certBytes = read(Setting.TLS_CERT_FILE, certFile);
    byte[] keyBytes = read(Setting.TLS_KEY_FILE, keyFile);
    List<X509Certificate> chain = certificates(certFile, certBytes);
    PrivateKey key = privateKey(keyFile, keyBytes, chain.getFirst().getPublicKey());
    if (!matches(key, chain.getFirst().getPublicKey())) {
      throw new IllegalArgumentException(
          Setting.TLS_KEY_FILE.key()
              + " "
              + keyFile
              + " does not hold the private key of the certificate in "
              + Setting.TLS_CERT_FILE.key()
              + " "
              + certFile);
    }
    return new TlsCredentials(key, chain, fingerprint(certBytes, keyBytes));
  }

  /** SHA-256 over both files as they are now; throws like {@link #load} when one is unreadable. */
  static String fingerprintOf(Path certFile, Path keyFile) {
    return fingerprint(read(Setting.TLS_CERT_FILE, certFile), read(Setting.TLS_KEY_FILE, keyFile));
  }

  private static byte[] read(Setting setting, Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          setting.key() + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }

  private static List<X509Certificate> certificates(Path file, byte[] bytes) {
    List<X509Certificate> chain = new ArrayList<>();
    String where = Setting.TLS_CERT_FILE.key() + " " + file;
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(bytes)) {
        if (b.type().equals("CERTIFICATE")) {
          chain.add(
              (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
        }
      }
    } catch (CertificateException | IllegalArgumentException e) {
      throw new IllegalArgumentException(where + " holds an unreadable certificate", e);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(where + " holds no PEM 'CERTIFICATE' block");
    }
    return chain;
  }

  private static PrivateKey privateKey(Path file, byte[] bytes, PublicKey certKey) {
    String where = Setting.TLS_KEY_FILE.key() + " " + file;
    List<Block> blocks;
    try {
      blocks = blocks(bytes);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    for (Block b : blocks) {
      try {
        switch (b.type()) {
          case "PRIVATE KEY" -> {
            return KeyFactory.getInstance(certKey.getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(b.der()));
          }
          case "RSA PRIVATE KEY" -> {
            return KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(pkcs8FromPkcs1(b.der())));
          }
          case "EC PRIVATE KEY" -> {
            if (!(certKey instanceof ECPublicKey ec)) {
              throw new IllegalArgumentException(
                  where
                      + " holds an EC key but the certificate's key is "
                      + certKey.getAlgorithm());
            }
            return KeyFactory.getInstance("EC")
                .generatePrivate(new ECPrivateKeySpec(sec1PrivateValue(b.der()), ec.getParams()));
          }
          case "ENCRYPTED PRIVATE KEY" ->
              throw new IllegalArgumentException(
                  where
                      + " holds an encrypted key; Warbler reads unencrypted keys only"
                      + " (openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pem), so protect the"
                      + " file with its permissions");
          default -> {
            // EC PARAMETERS and the like: skip
          }
        }
      } catch (GeneralSecurityException | IllegalStateException e) {
        throw new IllegalArgumentException(
            where
                + " holds an unreadable '"
                + b.type()
                + "' for a "
                + certKey.getAlgorithm()
                + " certificate",
            e);
      }
    }
    throw new IllegalArgumentException(
        where + " holds no PEM 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY' block");
  }

  /** Signs a random challenge with the key and verifies it with the certificate's public key. */
  private static boolean matches(PrivateKey key, PublicKey certKey) {
    String algorithm =
        switch (certKey.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519", "Ed448" -> certKey.getAlgorithm();
          default ->
              throw new IllegalArgumentException(
                  Setting.TLS_CERT_FILE.key()
                      + ": unsupported key algorithm "
                      + certKey.getAlgorithm()
                      + " (use RSA, EC or EdDSA)");
        };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(byte[] bytes) {
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(new String(bytes, StandardCharsets.US_ASCII));
    while (m.find()) {
      String body = m.group(2);
      // RFC 7468 lets "Proc-Type:"-style headers precede the base64 (legacy encrypted keys).
      if (body.contains(":")) {
        throw new IllegalArgumentException(
            "holds a PEM block with headers (an OpenSSL-encrypted key?); Warbler reads"
                + " unencrypted keys only");
      }
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(body)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("holds a PEM block that is not base64", e);
      }
    }
    return blocks;
  }

  private static String fingerprint(byte[] cert, byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(cert);
      sha.update(key);
      return HexFormat.of().formatHex(sha.digest());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  // ---- just enough DER for the two legacy key formats ----------------------------------------

  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { RSAPrivateKey } } (RFC 5208). */
  private static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.writeBytes(tlv(0x04, pkcs1));
    return tlv(0x30, body.toByteArray());
  }

  /** The private value of an ECPrivateKey { version 1, OCTET STRING d, ... } (RFC 5915). */
  private static BigInteger sec1PrivateValue(byte[] der) {
    int[] at = {0};
    expect(der, at, 0x30);
    length(der, at);
    expect(der, at, 0x02);
    int version = length(der, at);
    at[0] += version; // skip the version's value
    expect(der, at, 0x04);
    int n = length(der, at);
    if (at[0] + n > der.length) {
      throw new IllegalStateException("truncated EC private key");
    }
    byte[] d = new byte[n];
    System.arraycopy(der, at[0], d, 0, n);
    return new BigInteger(1, d);
  }

  private static void expect(byte[] der, int[] at, int tag) {
    if (at[0] >= der.length || (der[at[0]] & 0xff) != tag) {
      throw new IllegalStateException("malformed DER: expected tag " + tag + " at " + at[0]);
    }
    at[0]++;
  }

  private static int length(byte[] der, int[] at) {
    if (at[0] >= der.length) {
      throw new IllegalStateException("malformed DER: truncated length");
    }
    int first = der[at[0]++] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int bytes = first & 0x7f;
    if (bytes == 0 || bytes > 3 || at[0] + bytes > der.length) {
      throw new IllegalStateException("malformed DER: bad length");
    }
    int n = 0;
    for (int i = 0; i < bytes; i++) {
      n = (n << 8) | (der[at[0]++] & 0xff);
    }
    return n;
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}
