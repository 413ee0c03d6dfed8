package dev.warbler.core.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Token buckets (bucket4j) per user, per app and per app key, with the rates of {@link RateLimits}.
 * A refusal is a number of milliseconds to wait, cheap to compute: no store access, no allocation
 * beyond the bucket4j estimate, no log line; it is counted per {@link Scope}.
 *
 * <p>Memory is bounded: a bucket idle for as long as it takes to refill completely is dropped (it
 * would be full again anyway, so dropping it changes nothing), see {@link #trackedUsers()}. Buckets
 * are per node: in a cluster each node enforces the rates on its own connections.
 *
 * <p>Thread-safe and lock-free (bucket4j's default strategy); call from event loops freely.
 */
public final class RateLimiter {

  /** What a request costs. */
  public enum Kind {
    /** A request that touches the store or fans out: the user's and the app's request buckets. */
    REQUEST,
    /** typing, delivered, mark_read: the user's signal bucket only. */
    SIGNAL
  }

  /** Which bucket refused; the {@code scope} tag of the {@code warbler.rate.limited} counter. */
  public enum Scope {
    USER,
    SIGNAL,
    APP,
    REST;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private record UserKey(String app, String user) {}

  private record UserBuckets(@Nullable Bucket requests, @Nullable Bucket signals) {}

  private record AppBuckets(@Nullable Bucket requests, @Nullable Bucket rest) {}

  /** One user of one app, as a connection sees it; hold it for the connection's life. */
  public static final class Subject {
    private final UserKey key;

    private Subject(UserKey key) {
      this.key = key;
    }

    public String app() {
      return key.app;
    }

    public String user() {
      return key.user;
    }
  }

  private final RateLimits limits;
  private final TimeMeter time;
  private final Cache<UserKey, UserBuckets> users;
  private final Cache<String, AppBuckets> apps;
  private final Function<UserKey, UserBuckets> newUser = k -> newUserBuckets();
  private final Function<String, AppBuckets> newApp = k -> newAppBuckets();
  private final Map<Scope, LongAdder> refused = new EnumMap<>(Scope.class);

  /** With the system's monotonic clock. */
  public RateLimiter(RateLimits limits) {
    this(limits, System::nanoTime);
  }

  /**
   * @param nanoTime a monotonic clock in nanoseconds (tests pass a fake one); also drives the
   *     expiry of idle buckets
   */
  public RateLimiter(RateLimits limits, LongSupplier nanoTime) {
    this.limits = limits;
    this.time = monotonic(nanoTime);
    this.users =
        Caffeine.newBuilder()
            .ticker(nanoTime::getAsLong)
            .executor(Runnable::run)
            .expireAfterAccess(idle(limits.user(), limits.signal()))
            .build();
    this.apps =
        Caffeine.newBuilder()
            .ticker(nanoTime::getAsLong)
            .executor(Runnable::run)
            .expireAfterAccess(idle(limits.app(), limits.rest()))
            .build();
    for (Scope s : Scope.values()) {
      refused.put(s, new LongAdder());
    }
  }

  /** A bucket4j clock over a monotonic nanosecond source (tests pass a fake one). */
  static TimeMeter monotonic(LongSupplier nanoTime) {
    return new TimeMeter() {
      @Override
      public long currentTimeNanos() {
        return nanoTime.getAsLong();
      }

      @Override
      public boolean isWallClockBased() {
        return false;
      }
    };
  }

  /** No limits at all. */
  public static RateLimiter unlimited() {
    return new RateLimiter(RateLimits.UNLIMITED);
  }

  public RateLimits limits() {
    return limits;
  }

  /** A bucket idle this long is full again: dropping it then loses nothing. */
  private static Duration idle(RateLimits.Rate a, RateLimits.Rate b) {
    return Duration.ofNanos(Math.max(a.refillNanos(), b.refillNanos())).plusSeconds(1);
  }

  public Subject subject(String app, String user) {
    return new Subject(new UserKey(app, user));
  }

  /**
   * A refused request: which bucket refused and the milliseconds until it has a token (at least 1).
   */
  public record Refusal(Scope scope, long retryAfterMillis, String message) {}

  /**
   * Takes one token of {@code kind} for the subject: empty when taken, else the refusal, and
   * nothing is taken. A {@link Kind#REQUEST} needs a token from the user's bucket and from the
   * app's; when the app refuses, the user's token is given back. Allocates nothing when the token
   * is taken.
   */
  public @Nullable Refusal acquire(Subject subject, Kind kind) {
    return switch (kind) {
      case SIGNAL -> {
        if (limits.signal().unlimited()) {
          yield null;
        }
        yield take(users.get(subject.key, newUser).signals(), Scope.SIGNAL);
      }
      case REQUEST -> {
        Bucket user = limits.user().unlimited() ? null : users.get(subject.key, newUser).requests();
        Refusal refusal = take(user, Scope.USER);
        if (refusal != null || limits.app().unlimited()) {
          yield refusal;
        }
        refusal = take(apps.get(subject.key.app, newApp).requests(), Scope.APP);
        if (refusal != null && user != null) {
          user.addTokens(1);
        }
        yield refusal;
      }
    };
  }

  /** Takes one token of the app key's REST bucket: empty when taken, else the refusal. */
  public @Nullable Refusal acquireRest(String app) {
    if (limits.rest().unlimited()) {
      return null;
    }
    return take(apps.get(app, newApp).rest(), Scope.REST);
  }

  private @Nullable Refusal take(@Nullable Bucket bucket, Scope scope) {
    if (bucket == null || bucket.tryConsume(1)) {
      return null;
    }
    refused.get(scope).increment();
    long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
    long millis = Math.max(1, (nanos + 999_999) / 1_000_000);
    return new Refusal(scope, millis, message(scope, limits, millis));
  }

  /** Requests refused so far by the buckets of {@code scope}. */
  public long refused(Scope scope) {
    return refused.get(scope).sum();
  }

  /** Users with a live bucket (after dropping expired ones); for tests and a gauge. */
  public long trackedUsers() {
    users.cleanUp();
    return users.estimatedSize();
  }

  private UserBuckets newUserBuckets() {
    return new UserBuckets(bucket(limits.user()), bucket(limits.signal()));
  }

  private AppBuckets newAppBuckets() {
    return new AppBuckets(bucket(limits.app()), bucket(limits.rest()));
  }

  private @Nullable Bucket bucket(RateLimits.Rate rate) {
    if (rate.unlimited()) {
      return null;
    }
    return Bucket.builder()
        .addLimit(
            Bandwidth.builder()
                .capacity(rate.burst())
                .refillGreedy(rate.perSecond(), Duration.ofSeconds(1))
                .build())
        .withCustomTimePrecision(time)
        .build();
  }

  private static String message(Scope scope, RateLimits limits, long retryAfterMillis) {
    RateLimits.Rate r =
        switch (scope) {
          case USER -> limits.user();
          case SIGNAL -> limits.signal();
          case APP -> limits.app();
          case REST -> limits.rest();
        };
    return "rate limit of "
        + r.perSecond()
        + "/s (burst "
        + r.burst()
        + ") per "
        + switch (scope) {
          case USER -> "user";
          case SIGNAL -> "user for typing and receipts";
          case APP -> "app";
          case REST -> "app key";
        }
        + " reached; retry after "
        + retryAfterMillis
        + " ms";
  }
}
