package dev.warbler.server;

import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditKey;
import dev.warbler.core.spi.Stores;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed, chained audit log (ADR 0015): its key, its coalescing window, and the check of the
 * chain at start, which is logged and exported as metrics. Called once, on the thread that starts
 * the node.
 */
final class AuditWiring {
  /** The node's log lines, under the name they always had. */
  private static final Logger log = LoggerFactory.getLogger(WarblerServer.class);

  private AuditWiring() {}

  /**
   * Opens the audit log of the store bundle and verifies its chain: an intact chain is logged at
   * INFO, a broken one at ERROR (the operator must act), and {@code warbler.audit.chain.intact}
   * says which. {@code headSeq} backs {@code warbler.audit.head.seq} ({@link ScheduledJobs} moves
   * it).
   */
  static Audit open(
      Settings settings,
      Path data,
      Stores stores,
      InstantSource clock,
      MeterRegistry meters,
      AtomicLong headSeq) {
    int window = settings.integer(Setting.AUDIT_COALESCE_WINDOW_SECONDS);
    if (window <= 0) {
      throw new IllegalArgumentException(
          "audit.coalesce-window-seconds must be positive but was " + window);
    }
    AuditKey key = auditKey(settings, data);
    Audit audit =
        new Audit(
            stores.auditLog(key),
            key,
            clock,
            Duration.ofSeconds(window),
            settings.integer(Setting.AUDIT_MAX_COALESCED_KEYS));
    Audit.ChainStatus chain = audit.open();
    if (chain.intact()) {
      log.info(
          "audit log verified: {} entries ({} before the chain was keyed), head seq {} hash {},"
              + " key {}",
          chain.checked(),
          chain.legacy(),
          chain.headSeq(),
          chain.head(),
          key.id());
    } else {
      // Operator must act now: the audit trail was edited, cut or written with another key.
      log.error(
          "AUDIT LOG BROKEN: {} ({} entries before it verify; key {})",
          chain.problem().orElseThrow(),
          chain.checked(),
          key.id());
    }
    Gauge.builder("warbler.audit.chain.intact", () -> chain.intact() ? 1 : 0)
        .description("1 when the audit chain verified at start under the configured key, else 0")
        .register(meters);
    Gauge.builder("warbler.audit.head.seq", headSeq, AtomicLong::get)
        .description("Seq of the audit chain's newest entry at the last head publication")
        .register(meters);
    return audit;
  }

  /**
   * The audit chain's key: {@code audit.key-file} (refused if others may read it), else {@code
   * DATA/audit.key}, generated (0600) on first start. Base64 of at least 32 bytes.
   */
  static AuditKey auditKey(Settings settings, Path data) {
    String configured = settings.string(Setting.AUDIT_KEY_FILE).strip();
    Path file =
        configured.isEmpty() ? data.resolve(WarblerServer.AUDIT_KEY_FILE) : Path.of(configured);
    String what = configured.isEmpty() ? "the audit key file" : Setting.AUDIT_KEY_FILE.key();
    try {
      if (configured.isEmpty() && !Files.exists(file)) {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        Files.createFile(file, FilePermissions.ownerOnlyFile(file));
        Files.writeString(
            file, Base64.getEncoder().encodeToString(bytes) + "\n", StandardCharsets.UTF_8);
        log.info(
            "generated the audit chain key into {}; keep a copy off this machine to verify the"
                + " log later, or set audit.key-file",
            file);
      }
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(what + " " + file + " does not exist");
      }
      FilePermissions.requireNotOpenToOthers(file, what, "600");
      byte[] key;
      try {
        key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + " " + file + " is not valid base64", e);
      }
      if (key.length < AuditKey.MIN_BYTES) {
        throw new IllegalArgumentException(
            what
                + " "
                + file
                + " must hold base64 of at least "
                + AuditKey.MIN_BYTES
                + " random bytes (openssl rand -base64 32) but holds "
                + key.length);
      }
      return new AuditKey(key);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read or create " + what + " " + file, e);
    }
  }
}
