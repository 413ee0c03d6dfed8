package dev.warbler.api;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's TLS: a Jetty {@link SslContextFactory.Server} over an in-memory key store holding
 * the certificate chain and key, restricted to the configured protocol versions and cipher suites,
 * with renegotiation refused. {@link #reload} swaps the key store through {@link
 * SslContextFactory#reload}: connections accepted afterwards get the new certificate, open ones
 * keep the session they negotiated. Thread-safe.
 */
public final class ApiTls {
  private static final Logger log = LoggerFactory.getLogger(ApiTls.class);
  private static final String ALIAS = "warbler";

  private final List<String> protocols;
  private final SslContextFactory.Server factory = new SslContextFactory.Server();
  private final LongAdder handshakeFailures = new LongAdder();

  /** Protects the in-memory key store; never leaves this object. */
  private final String password;

  /**
   * A factory for {@code chain} (leaf first) and its {@code key}, accepting only {@code protocols}
   * and {@code cipherSuites} (those this JDK has, in that order of preference). Throws {@link
   * IllegalArgumentException} if the key store cannot be built.
   */
  public ApiTls(
      PrivateKey key,
      List<X509Certificate> chain,
      List<String> protocols,
      List<String> cipherSuites) {
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("TLS protocols must not be empty");
    }
    if (cipherSuites.isEmpty()) {
      throw new IllegalArgumentException("TLS cipher suites must not be empty");
    }
    this.protocols = List.copyOf(protocols);
    byte[] secret = new byte[18];
    new SecureRandom().nextBytes(secret);
    this.password = Base64.getEncoder().encodeToString(secret);
    factory.setKeyStore(keyStore(key, chain));
    factory.setKeyStorePassword(password);
    factory.setKeyManagerPassword(password);
    factory.setIncludeProtocols(this.protocols.toArray(String[]::new));
    factory.setIncludeCipherSuites(cipherSuites.toArray(String[]::new));
    // Our order, not the client's: the strongest suite both sides have.
    factory.setUseCipherSuitesOrder(true);
    // Renegotiation buys nothing here (no client certificates) and costs a handshake per try.
    factory.setRenegotiationAllowed(false);
    // One certificate serves every name; SNI is not needed to pick it.
    factory.setSniRequired(false);
  }

  /** Serves {@code chain} and {@code key} to connections accepted from now on. */
  public void reload(PrivateKey key, List<X509Certificate> chain) {
    KeyStore store = keyStore(key, chain);
    try {
      factory.reload(f -> f.setKeyStore(store));
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot reload the REST API's TLS context: " + e, e);
    }
  }

  public List<String> protocols() {
    return protocols;
  }

  /** TLS handshakes that failed (old protocol, plaintext on the TLS port, ...). */
  public long handshakeFailures() {
    return handshakeFailures.sum();
  }

  /** An HTTPS connector on {@code host:port} speaking HTTP/1.1 over this TLS. */
  Connector connector(Server server, HttpConfiguration plain, String host, int port) {
    HttpConfiguration https = new HttpConfiguration(plain);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Jetty would answer 400 when the Host header is not a name of the certificate; that breaks
    // health checks and load balancers that call the node by its IP, and buys nothing with one
    // certificate. Clients still verify the certificate against the name they dialled.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    SslConnectionFactory tls = new SslConnectionFactory(factory, HttpVersion.HTTP_1_1.asString());
    tls.addBean(
        new SslHandshakeListener() {
          @Override
          public void handshakeFailed(Event event, Throwable failure) {
            handshakeFailures.increment();
            log.debug("TLS handshake failed: {}", failure.toString());
          }
        });
    ServerConnector connector = new ServerConnector(server, tls, new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }

  private KeyStore keyStore(PrivateKey key, List<X509Certificate> chain) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password.toCharArray(), chain.toArray(X509Certificate[]::new));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("cannot hold the TLS key in a key store: " + e, e);
    }
  }
}
