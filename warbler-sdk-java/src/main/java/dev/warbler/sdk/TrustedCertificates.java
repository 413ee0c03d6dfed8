package dev.warbler.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS trust for servers whose certificate is not signed by a CA the JVM trusts: a private CA, or a
 * self-signed certificate in development. By default the SDK trusts the JVM's trust store, like any
 * JDK HTTP client; with {@link #sslContext(Path)} it trusts exactly the certificates in one PEM
 * file instead (as {@code curl --cacert} does). Host names are verified either way.
 */
public final class TrustedCertificates {
  private TrustedCertificates() {}

  /**
   * An {@link SSLContext} that trusts the certificates (CA or server certificates) in {@code
   * pemFile}, and nothing else; for {@link WarblerClient.Builder#sslContext} or {@link
   * WarblerAdmin#create(java.net.URI, String, SSLContext)}. Throws {@link IllegalArgumentException}
   * naming the file when it holds no certificate, {@link UncheckedIOException} when it cannot be
   * read.
   */
  public static SSLContext sslContext(Path pemFile) {
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(pemFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA file " + pemFile, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the CA file " + pemFile + " holds no readable PEM certificate: " + e.getMessage(), e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException("the CA file " + pemFile + " holds no certificate");
    }
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate c : certificates) {
        trust.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS context trusting " + pemFile, e);
    }
  }
}
