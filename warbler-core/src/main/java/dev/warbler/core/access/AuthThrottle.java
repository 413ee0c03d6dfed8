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
import java.util.function.LongSupplier;

/**
 * Slows down guessing of credentials: failed authentications are counted per client address in a
 * token bucket ({@code limits.auth-failures.burst} at once, then {@code
 * limits.auth-failures.per-minute}); while an address's bucket is empty, every authentication from
 * it is refused before its credentials are even looked at (REST: 429 with {@code Retry-After};
 * gateway: 429 at the upgrade, RATE_LIMITED and close 1013 at {@code auth}). Refusing the right key
 * too is the point: otherwise a guesser would learn which guess was right at full speed.
 *
 * <p>Only failures that look like guessing count: a REST key that is no key at all, a token whose
 * signature does not verify. An expired or revoked token, or another app's valid key, does not.
 *
 * <p>Memory is bounded: at most {@code maxAddresses} addresses are tracked (least recently used
 * dropped first), and an address idle long enough to have refilled completely is dropped. Per node:
 * in a cluster each node throttles what it sees. Thread-safe and lock-free; cheap enough for event
 * loops.
 */
public final class AuthThrottle {

  /** Where an authentication was tried; the {@code surface} tag of the metrics. */
  public enum Surface {
    REST,
    GATEWAY;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final int perMinute;
  private final int burst;
  private final TimeMeter time;
  private final Cache<String, Bucket> buckets;
  private final Map<Surface, LongAdder> failures = new EnumMap<>(Surface.class);
  private final Map<Surface, LongAdder> refused = new EnumMap<>(Surface.class);

  /**
   * @param perMinute failures per address per minute once the burst is used up; 0 turns the
   *     throttle off (failures are still counted)
   * @param burst failures an address may make at once
   * @param maxAddresses addresses tracked at once
   */
  public AuthThrottle(int perMinute, int burst, int maxAddresses) {
    this(perMinute, burst, maxAddresses, System::nanoTime);
  }

  /** As above, with a monotonic clock in nanoseconds (tests pass a fake one). */
  public AuthThrottle(int perMinute, int burst, int maxAddresses, LongSupplier nanoTime) {
    if (perMinute < 0) {
      throw new IllegalArgumentException(
          "limits.auth-failures.per-minute must not be negative but was " + perMinute);
    }
    if (perMinute > 0 && burst < 1) {
      throw new IllegalArgumentException(
          "limits.auth-failures.burst must be at least 1 but was " + burst);
    }
    if (maxAddresses < 1) {
      throw new IllegalArgumentException(
          "limits.auth-failures.max-addresses must be positive but was " + maxAddresses);
    }
    this.perMinute = perMinute;
    this.burst = burst;
    this.time = RateLimiter.monotonic(nanoTime);
    // Idle this long, a bucket is full again: dropping it then forgets nothing.
    Duration refill =
        perMinute == 0
            ? Duration.ofMinutes(1)
            : Duration.ofNanos(60_000_000_000L * burst / perMinute).plusSeconds(1);
    this.buckets =
        Caffeine.newBuilder()
            .ticker(nanoTime::getAsLong)
            .executor(Runnable::run)
            .maximumSize(maxAddresses)
            .expireAfterAccess(refill)
            .build();
    for (Surface s : Surface.values()) {
      failures.put(s, new LongAdder());
      refused.put(s, new LongAdder());
    }
  }

  /** No throttling. */
  public static AuthThrottle off() {
    return new AuthThrottle(0, 0, 1);
  }

  /**
   * Milliseconds until {@code address} may try again (at least 1), or 0 when it may now. A refusal
   * is counted under {@code surface}.
   */
  public long retryAfterMillis(String address, Surface surface) {
    if (perMinute == 0) {
      return 0;
    }
    Bucket bucket = buckets.getIfPresent(address);
    if (bucket == null) {
      return 0;
    }
    long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
    if (nanos <= 0) {
      return 0;
    }
    refused.get(surface).increment();
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }

  /** Records a failed authentication from {@code address}. */
  public void failed(String address, Surface surface) {
    failures.get(surface).increment();
    if (perMinute == 0) {
      return;
    }
    buckets.get(address, a -> newBucket()).tryConsume(1);
  }

  /** The message of a refusal, naming the settings. */
  public String message(long retryAfterMillis) {
    return "too many failed authentications from this address (limits.auth-failures.burst "
        + burst
        + ", then "
        + perMinute
        + " per minute); retry after "
        + retryAfterMillis
        + " ms";
  }

  /** Failed authentications counted so far on {@code surface}. */
  public long failures(Surface surface) {
    return failures.get(surface).sum();
  }

  /** Authentications refused unread because their address was throttled. */
  public long refused(Surface surface) {
    return refused.get(surface).sum();
  }

  /** Addresses tracked now (after dropping idle ones); for tests and a gauge. */
  public long trackedAddresses() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(
            Bandwidth.builder()
                .capacity(burst)
                .refillGreedy(perMinute, Duration.ofMinutes(1))
                .build())
        .withCustomTimePrecision(time)
        .build();
  }
}
