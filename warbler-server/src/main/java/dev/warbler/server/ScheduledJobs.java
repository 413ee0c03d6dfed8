package dev.warbler.server;

import dev.warbler.core.access.Access;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.moderation.Moderation;
import dev.warbler.core.state.Presence;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's periodic work, on one daemon thread ({@code usage-flush}): usage counters persisted
 * every {@code usage.flush-interval-seconds}; coalesced audit failures whose window ended, every
 * second; revoked tokens past their expiry purged, hourly; the audit chain's head published every
 * {@code audit.head-interval-seconds} (0: at start only); presence repaired after nodes that died
 * without a word every {@code bus.presence-repair-seconds}; sensitive-word lists changed through
 * other nodes reloaded every {@code moderation.refresh-millis}. A failing job logs a WARN and runs
 * again next time.
 */
final class ScheduledJobs implements AutoCloseable {
  /** The node's log lines, under the name they always had. */
  private static final Logger log = LoggerFactory.getLogger(WarblerServer.class);

  private final Metering metering;
  private final Audit audit;
  private final Access access;
  private final Presence presence;
  private final AtomicLong auditHeadSeq;
  private final Moderation moderation;
  private final ScheduledExecutorService executor;

  private ScheduledJobs(
      Metering metering,
      Audit audit,
      Access access,
      Presence presence,
      AtomicLong auditHeadSeq,
      Moderation moderation,
      ScheduledExecutorService executor) {
    this.moderation = moderation;
    this.metering = metering;
    this.audit = audit;
    this.access = access;
    this.presence = presence;
    this.auditHeadSeq = auditHeadSeq;
    this.executor = executor;
  }

  /**
   * Checks the intervals, starts the jobs and publishes the audit head once now; {@code
   * auditHeadSeq} backs the {@code warbler.audit.head.seq} gauge.
   */
  static ScheduledJobs start(
      Settings settings,
      Metering metering,
      Audit audit,
      Access access,
      Presence presence,
      AtomicLong auditHeadSeq,
      Moderation moderation) {
    int flushSeconds = settings.integer(Setting.USAGE_FLUSH_INTERVAL_SECONDS);
    if (flushSeconds <= 0) {
      throw new IllegalArgumentException(
          "usage.flush-interval-seconds must be positive but was " + flushSeconds);
    }
    ScheduledExecutorService executor =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "usage-flush");
          t.setDaemon(true);
          return t;
        });
    int repairSeconds = settings.integer(Setting.BUS_PRESENCE_REPAIR_SECONDS);
    if (repairSeconds <= 0) {
      throw new IllegalArgumentException(
          "bus.presence-repair-seconds must be positive but was " + repairSeconds);
    }
    ScheduledJobs jobs =
        new ScheduledJobs(metering, audit, access, presence, auditHeadSeq, moderation, executor);
    executor.scheduleWithFixedDelay(jobs::flushUsage, flushSeconds, flushSeconds, TimeUnit.SECONDS);
    // Coalesced audit failures whose window ended, and revoked tokens past their expiry.
    executor.scheduleWithFixedDelay(jobs::flushAudit, 1, 1, TimeUnit.SECONDS);
    executor.scheduleWithFixedDelay(jobs::purgeRevoked, 1, 60, TimeUnit.MINUTES);
    int refreshMillis = settings.integer(Setting.MODERATION_REFRESH_MILLIS);
    if (refreshMillis <= 0) {
      throw new IllegalArgumentException(
          "moderation.refresh-millis must be positive but was " + refreshMillis);
    }
    executor.scheduleWithFixedDelay(
        jobs::refreshModeration, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
    executor.scheduleWithFixedDelay(
        jobs::repairPresence, repairSeconds, repairSeconds, TimeUnit.SECONDS);
    int headSeconds = settings.integer(Setting.AUDIT_HEAD_INTERVAL_SECONDS);
    if (headSeconds < 0) {
      throw new IllegalArgumentException(
          "audit.head-interval-seconds must be 0 (never) or positive but was " + headSeconds);
    }
    jobs.publishAuditHead();
    if (headSeconds > 0) {
      executor.scheduleWithFixedDelay(
          jobs::publishAuditHead, headSeconds, headSeconds, TimeUnit.SECONDS);
    }
    return jobs;
  }

  /**
   * Stops the jobs, then persists the usage counters once more: called after the gateway closed
   * every connection (last-seen times are queued by then) and before the store closes.
   */
  @Override
  public void close() {
    executor.shutdownNow();
    flushUsage();
  }

  private void flushUsage() {
    try {
      metering.flush();
    } catch (RuntimeException e) {
      log.warn("could not persist usage counters; keeping them for the next flush", e);
    }
  }

  /** Word lists changed through other nodes (they share the store) apply here. */
  private void refreshModeration() {
    try {
      moderation.refresh();
    } catch (RuntimeException e) {
      log.warn("could not refresh the sensitive-word lists; keeping the ones compiled", e);
    }
  }

  private void flushAudit() {
    try {
      audit.flush(false);
    } catch (RuntimeException e) {
      log.warn("could not flush coalesced audit events", e);
    }
  }

  /**
   * Logs the audit chain's head and exports its seq: kept by the log collector, an earlier head
   * shows a cut tail that the chain alone cannot ({@code audit verify --expect-head}).
   */
  private void publishAuditHead() {
    try {
      audit
          .head()
          .ifPresent(h -> {
            auditHeadSeq.set(h.seq());
            log.info("audit head: seq {} hash {} key {}", h.seq(), h.hash(), audit.keyId());
          });
    } catch (RuntimeException e) {
      log.warn("could not read the audit head", e);
    }
  }

  private void repairPresence() {
    try {
      presence.repair();
    } catch (RuntimeException e) {
      log.warn(
          "could not repair presence after failed nodes; trying again next time: {}", e.toString());
    }
  }

  private void purgeRevoked() {
    try {
      access.purgeExpired();
    } catch (RuntimeException e) {
      log.warn("could not purge expired revoked tokens", e);
    }
  }
}
