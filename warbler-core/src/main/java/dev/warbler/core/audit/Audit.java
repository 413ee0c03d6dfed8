package dev.warbler.core.audit;

import dev.warbler.core.spi.AuditLog;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records security-relevant events in the {@link AuditLog}. Transports call it where the actor and
 * address are known (REST handlers, the gateway's auth path and error replies), and so do the core
 * services whose operations are audited whatever the transport (group bans in {@code GroupAdmin},
 * history reads with server credentials in {@code Messenger}), with the transport's {@link
 * dev.warbler.core.Caller}. Messages are never audited, and nothing here blocks a caller except
 * {@link #recordDurably} and {@link #recordEachDurably}, which admin operations and group bans use.
 *
 * <h2>Actions</h2>
 *
 * {@code app.create}, {@code user.delete}, {@code user.ban}, {@code user.unban}, {@code
 * user.tokens.revoke}, {@code token.revoke}, {@code token.issue}, {@code group.ban}, {@code
 * group.unban}, {@code history.read}, {@code auth.failed} (gateway authentication refused), {@code
 * api.auth.failed} (a REST call with a missing, unknown or other app's key) and {@code
 * access.denied} (a REST 403 or a FORBIDDEN-class protocol error).
 *
 * <h2>Bounded failures</h2>
 *
 * Failures ({@link #failure}) are coalesced so that a flood cannot flood the log: per key (action,
 * app, actor, address, error) the first failure of a window is written at once, the others only
 * counted and written as one entry with their {@code count} when the window ends ({@link #flush},
 * called by the server every second). At most {@code maxKeys} keys are tracked per window; failures
 * beyond that are counted under one overflow key per action.
 */
public final class Audit {
  private static final Logger log = LoggerFactory.getLogger(Audit.class);

  public static final String APP_CREATE = "app.create";
  public static final String APP_SECRET_ROTATE = "app.secret.rotate";
  public static final String APP_ENCRYPTION = "app.encryption";
  public static final String APP_DATA_KEY_ROTATE = "app.datakey.rotate";
  public static final String USER_DELETE = "user.delete";
  public static final String USER_BAN = "user.ban";
  public static final String USER_UNBAN = "user.unban";
  public static final String USER_TOKENS_REVOKE = "user.tokens.revoke";
  public static final String TOKEN_REVOKE = "token.revoke";
  public static final String TOKEN_ISSUE = "token.issue";
  public static final String GROUP_BAN = "group.ban";
  public static final String GROUP_UNBAN = "group.unban";
  public static final String HISTORY_READ = "history.read";
  public static final String MODERATION_WORDS_ADD = "moderation.words.add";
  public static final String MODERATION_WORDS_DELETE = "moderation.words.delete";
  public static final String MODERATION_WORDS_REPLACE = "moderation.words.replace";
  public static final String MODERATION_SETTINGS = "moderation.settings";
  public static final String MODERATION_REVIEW_APPROVE = "moderation.review.approve";
  public static final String MODERATION_REVIEW_REJECT = "moderation.review.reject";
  public static final String AUTH_FAILED = "auth.failed";
  public static final String API_AUTH_FAILED = "api.auth.failed";
  public static final String ACCESS_DENIED = "access.denied";

  /**
   * Written once, by the first start that finds only entries of an older, unkeyed chain: from here
   * the chain is keyed ({@code detail}: {@code legacyUntil=SEQ key=ID}).
   */
  public static final String CHAIN_KEYED = "audit.chain.keyed";

  /** The actor of entries the server writes on its own. */
  public static final String SYSTEM = "system";

  /** The actor of the root admin key. */
  public static final String ADMIN = "admin";

  public static final String ANONYMOUS = "anonymous";

  /** How long {@link #recordDurably} waits for the commit before giving up (and logging). */
  private static final long DURABLE_WAIT_MS = 5_000;

  private record Key(
      String action, String app, String actor, String ip, String error, String target) {}

  private static final class Window {
    final long start;
    final AtomicLong extra = new AtomicLong();
    volatile AuditEvent last;

    Window(long start, AuditEvent first) {
      this.start = start;
      this.last = first;
    }
  }

  private final AuditLog auditLog;
  private final AuditKey key;
  private final InstantSource clock;
  private final long windowMillis;
  private final int maxKeys;
  private final ConcurrentHashMap<Key, Window> windows = new ConcurrentHashMap<>();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * @param key the key the log's chain is keyed with (the same the {@link AuditLog} writes with)
   */
  public Audit(AuditLog auditLog, AuditKey key, InstantSource clock, Duration window, int maxKeys) {
    this.auditLog = auditLog;
    this.key = key;
    this.clock = clock;
    this.windowMillis = window.toMillis();
    this.maxKeys = maxKeys;
  }

  /**
   * Whether an error is a permission denial worth auditing: the 403 class, except a recipient's
   * block and a mute (user-level choices, not access control).
   */
  public static boolean isPermissionDenial(dev.warbler.protocol.ErrorCode code) {
    return code.httpStatus() == 403
        && code != dev.warbler.protocol.ErrorCode.BLOCKED
        && code != dev.warbler.protocol.ErrorCode.MUTED;
  }

  /** An actor name for an app's secret. */
  public static String app(String id) {
    return "app:" + id;
  }

  /** An actor name for a user's token. */
  public static String user(String id) {
    return "user:" + id;
  }

  /** The log itself, for queries. */
  public AuditLog auditLog() {
    return auditLog;
  }

  /** Queues an event; never blocks. */
  public CompletableFuture<AuditRecord> record(
      String app, String actor, String ip, String action, String target, String detail) {
    return append(
        new AuditEvent(
            clock.millis(), app, actor, ip, action, target, AuditEvent.OK, "", 1, detail));
  }

  /**
   * Records an event and waits until it is durable (at most a few seconds); for admin operations,
   * whose response should not come before their trace.
   */
  public void recordDurably(
      String app, String actor, String ip, String action, String target, String detail) {
    awaitDurable(record(app, actor, ip, action, target, detail), action, target);
  }

  /**
   * Records one event per target (in the order given) and waits until all are durable, like {@link
   * #recordDurably}; one wait for all of them, so a command on many users costs one commit wait.
   */
  public void recordEachDurably(
      String app, String actor, String ip, String action, List<String> targets, String detail) {
    CompletableFuture<?>[] all = new CompletableFuture<?>[targets.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = record(app, actor, ip, action, targets.get(i), detail);
    }
    awaitDurable(CompletableFuture.allOf(all), action, String.join(",", targets));
  }

  private static void awaitDurable(CompletableFuture<?> recorded, String action, String target) {
    try {
      recorded.get(DURABLE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("audit event {} {} not confirmed durable: {}", action, target, e.toString());
    }
  }

  /**
   * A refused attempt ({@code outcome} {@code denied} or {@code failed}), coalesced per key and
   * window; never blocks.
   */
  public void failure(
      String app,
      String actor,
      String ip,
      String action,
      String target,
      String outcome,
      String error) {
    long now = clock.millis();
    AuditEvent event = new AuditEvent(now, app, actor, ip, action, target, outcome, error, 1, "");
    Key key = new Key(action, app, actor, ip, error, target);
    if (!windows.containsKey(key) && windows.size() >= maxKeys) {
      key = new Key(action, "", "*", "*", "*", "*");
      event = new AuditEvent(now, "", "*", "*", action, "*", outcome, "*", 1, "overflow");
    }
    boolean[] first = new boolean[1];
    AuditEvent e = event;
    windows.compute(
        key,
        (k, w) -> {
          if (w == null) {
            first[0] = true;
            return new Window(now, e);
          }
          w.extra.incrementAndGet();
          w.last = e;
          return w;
        });
    if (first[0]) {
      append(event);
    }
  }

  /**
   * Writes the counts of windows that ended (or of all windows when {@code all}), one entry per key
   * with {@code count} = the failures after the first; called every second by the server and on
   * shutdown.
   */
  public void flush(boolean all) {
    long now = clock.millis();
    List<AuditEvent> out = new ArrayList<>();
    for (Key k : List.copyOf(windows.keySet())) {
      windows.computeIfPresent(
          k,
          (key, w) -> {
            if (!all && now - w.start < windowMillis) {
              return w;
            }
            long extra = w.extra.get();
            if (extra > 0) {
              AuditEvent last = w.last;
              out.add(
                  new AuditEvent(
                      now,
                      last.app(),
                      last.actor(),
                      last.ip(),
                      last.action(),
                      last.target(),
                      last.outcome(),
                      last.error(),
                      extra,
                      "coalesced: " + extra + " more since " + w.start));
            }
            return null;
          });
    }
    out.forEach(this::append);
  }

  /**
   * What a verification of the whole chain found.
   *
   * @param checked entries that verified
   * @param legacy of those, entries of the unkeyed chain written before the key
   * @param keyed whether a keyed entry verified
   * @param headSeq the last good entry's seq
   * @param head the last good entry's hash
   * @param problem the first broken entry and why; empty when the chain holds
   */
  public record ChainStatus(
      long checked,
      long legacy,
      boolean keyed,
      long headSeq,
      String head,
      java.util.Optional<String> problem) {
    public boolean intact() {
      return problem.isEmpty();
    }
  }

  /** Verifies the whole chain from its first entry under this server's key; blocks on I/O. */
  public ChainStatus verifyChain() {
    AuditChain.Verifier v = new AuditChain.Verifier(key);
    auditLog.forEach(AuditQuery.ALL, v::accept);
    return new ChainStatus(
        v.checked(), v.legacy(), v.keyedSeen(), v.headSeq(), v.head(), v.problem());
  }

  /**
   * At start: verifies the chain, and when it holds only entries of the older, unkeyed chain, keys
   * it from here with a {@link #CHAIN_KEYED} entry (whose MAC covers their head). Blocks on I/O.
   */
  public ChainStatus open() {
    ChainStatus status = verifyChain();
    if (status.intact() && status.legacy() > 0 && !status.keyed()) {
      recordDurably(
          "", SYSTEM, "", CHAIN_KEYED, "", "legacyUntil=" + status.headSeq() + " key=" + key.id());
    }
    return status;
  }

  /** The chain's newest entry; empty for an empty log. Blocks on I/O. */
  public java.util.Optional<AuditRecord> head() {
    return auditLog.last();
  }

  /** The fingerprint of the key the chain is keyed with. */
  public String keyId() {
    return key.id();
  }

  /** Events the store could not take (its queue was full); also logged. */
  public long dropped() {
    return dropped.get();
  }

  private CompletableFuture<AuditRecord> append(AuditEvent event) {
    CompletableFuture<AuditRecord> f;
    try {
      f = auditLog.append(event);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.whenComplete((r, e) -> {
      if (e != null) {
        dropped.incrementAndGet();
        log.warn("audit event {} not stored: {}", event, e.toString());
      }
    });
  }
}
