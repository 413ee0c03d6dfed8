package dev.warbler.server;

import dev.warbler.api.ApiTls;
import dev.warbler.gateway.GatewayTls;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for both listeners from the {@code tls.*} settings: one certificate and key (PEM files) for
 * the gateway and the REST API, and a poller that serves a changed certificate without a restart.
 *
 * <p>Start: a missing, unreadable or mismatched file fails with a message naming the setting.
 * Reload: every {@code tls.reload-interval-seconds} both files are read and hashed; when the bytes
 * changed they are parsed and checked, and only a good pair replaces the served one (new
 * connections get it, open ones keep theirs). A bad pair keeps the old certificate, logs a warning
 * once per distinct content and counts {@code warbler.tls.reloads{result=failure}}.
 */
final class ServerTls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

  /** The versions that may be configured; TLS 1.0 and 1.1 are broken and refused outright. */
  static final Set<String> ALLOWED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");

  /**
   * The one cipher policy of both listeners (ADR 0013), in order of preference: the TLS 1.3 suites
   * (all AEAD), then TLS 1.2 with ECDHE key exchange and an AEAD cipher (AES-GCM,
   * ChaCha20-Poly1305), for ECDSA and RSA certificates. Nothing else: no CBC (padding oracles), no
   * SHA-1 MAC, no finite-field DHE (weak or slow groups), no RSA key exchange (no forward secrecy).
   */
  static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_256_GCM_SHA384",
          "TLS_AES_128_GCM_SHA256",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

  /**
   * The JDK property that makes JSSE refuse a TLS 1.2 client's renegotiation (TLS 1.3 has none).
   * JSSE reads it once, when the first server handshake of the process loads its handshake code, so
   * it is set before any listener is built; Netty's JDK provider and Jetty both run on JSSE.
   */
  static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

  private final Path certFile;
  private final Path keyFile;
  private final int reloadSeconds;
  private final GatewayTls gateway;
  private final ApiTls api;
  private final Counter reloaded;
  private final Counter failed;
  private final ScheduledExecutorService poller;
  private volatile TlsCredentials current;
  private @Nullable String lastFailure;

  private ServerTls(
      Path certFile,
      Path keyFile,
      int reloadSeconds,
      List<String> protocols,
      TlsCredentials credentials,
      MeterRegistry meters) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.reloadSeconds = reloadSeconds;
    this.current = credentials;
    this.gateway = new GatewayTls(credentials.key(), credentials.chain(), protocols, CIPHER_SUITES);
    this.api = new ApiTls(credentials.key(), credentials.chain(), protocols, CIPHER_SUITES);
    this.reloaded =
        Counter.builder("warbler.tls.reloads")
            .description("Certificate reloads from tls.cert-file and tls.key-file")
            .tag("result", "success")
            .register(meters);
    this.failed =
        Counter.builder("warbler.tls.reloads")
            .description("Certificate reloads from tls.cert-file and tls.key-file")
            .tag("result", "failure")
            .register(meters);
    Gauge.builder(
            "warbler.tls.certificate.expiry",
            this,
            t -> t.current.leaf().getNotAfter().toInstant().getEpochSecond())
        .description("When the served certificate expires, seconds since the epoch")
        .register(meters);
    FunctionCounter.builder(
            "warbler.tls.handshake.failures", gateway, GatewayTls::handshakeFailures)
        .description("TLS handshakes that failed (old protocol, plaintext, timeout)")
        .tag("listener", "gateway")
        .register(meters);
    FunctionCounter.builder("warbler.tls.handshake.failures", api, ApiTls::handshakeFailures)
        .description("TLS handshakes that failed (old protocol, plaintext, timeout)")
        .tag("listener", "http")
        .register(meters);
    this.poller =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "tls-reload");
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * TLS as configured, or empty when {@code tls.enabled} is false. Throws {@link
   * IllegalArgumentException} naming the setting when the configuration is unusable.
   */
  static Optional<ServerTls> fromSettings(Settings settings, MeterRegistry meters) {
    if (!settings.bool(Setting.TLS_ENABLED)) {
      return Optional.empty();
    }
    String renegotiation = System.getProperty(REJECT_RENEGOTIATION);
    if (renegotiation != null && !renegotiation.equals("true")) {
      log.warn(
          "{}={} is overridden: client-initiated renegotiation is refused",
          REJECT_RENEGOTIATION,
          renegotiation);
    }
    System.setProperty(REJECT_RENEGOTIATION, "true");
    Path cert = requiredFile(settings, Setting.TLS_CERT_FILE);
    Path key = requiredFile(settings, Setting.TLS_KEY_FILE);
    if (Files.exists(key)) {
      FilePermissions.requireNotOpenToOthers(key, Setting.TLS_KEY_FILE.key(), "600");
    }
    List<String> protocols = settings.list(Setting.TLS_PROTOCOLS);
    if (protocols.isEmpty() || !ALLOWED_PROTOCOLS.containsAll(protocols)) {
      throw new IllegalArgumentException(
          Setting.TLS_PROTOCOLS.key()
              + " may list only TLSv1.3 and TLSv1.2 but was '"
              + settings.string(Setting.TLS_PROTOCOLS)
              + "' ("
              + Setting.TLS_PROTOCOLS.environmentVariable()
              + ")");
    }
    int reload = settings.integer(Setting.TLS_RELOAD_INTERVAL_SECONDS);
    if (reload < 0) {
      throw new IllegalArgumentException(
          Setting.TLS_RELOAD_INTERVAL_SECONDS.key()
              + " must be 0 (never) or positive but was "
              + reload);
    }
    TlsCredentials credentials = TlsCredentials.load(cert, key);
    warnIfNotValidNow(credentials);
    log.info(
        "TLS on ({}; AEAD suites only; no client renegotiation): {}",
        String.join(", ", protocols),
        credentials.describe());
    return Optional.of(new ServerTls(cert, key, reload, protocols, credentials, meters));
  }

  private static Path requiredFile(Settings settings, Setting setting) {
    String value = settings.string(setting).trim();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(
          setting.key()
              + " must name a PEM file when tls.enabled is true ("
              + setting.environmentVariable()
              + ")");
    }
    return Path.of(value);
  }

  GatewayTls gateway() {
    return gateway;
  }

  ApiTls api() {
    return api;
  }

  /** Starts polling the files; does nothing when the reload interval is 0. */
  void startReloading() {
    if (reloadSeconds > 0) {
      poller.scheduleWithFixedDelay(this::poll, reloadSeconds, reloadSeconds, TimeUnit.SECONDS);
    }
  }

  /** One check of the files; serves a changed, valid pair. Runs on the poller thread. */
  void poll() {
    String fingerprint;
    try {
      fingerprint = TlsCredentials.fingerprintOf(certFile, keyFile);
    } catch (IllegalArgumentException e) {
      reject("unreadable:" + e.getMessage(), e);
      return;
    }
    if (fingerprint.equals(current.fingerprint()) || fingerprint.equals(lastFailure)) {
      return;
    }
    try {
      TlsCredentials next = TlsCredentials.load(certFile, keyFile);
      gateway.reload(next.key(), next.chain());
      api.reload(next.key(), next.chain());
      current = next;
      lastFailure = null;
      reloaded.increment();
      warnIfNotValidNow(next);
      log.info("TLS certificate reloaded: {}", next.describe());
    } catch (RuntimeException e) {
      reject(fingerprint, e);
    }
  }

  private void reject(String failure, RuntimeException e) {
    if (failure.equals(lastFailure)) {
      return; // said once already; the files have not changed since
    }
    lastFailure = failure;
    failed.increment();
    log.warn(
        "TLS certificate not reloaded, still serving {}: {}", current.describe(), e.getMessage());
  }

  private static void warnIfNotValidNow(TlsCredentials c) {
    Instant now = Instant.now();
    if (now.isAfter(c.leaf().getNotAfter().toInstant())
        || now.isBefore(c.leaf().getNotBefore().toInstant())) {
      log.warn("the TLS certificate is not valid now ({}); clients will refuse it", c.describe());
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
