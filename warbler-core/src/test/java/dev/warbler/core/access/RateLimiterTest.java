package dev.warbler.core.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.access.RateLimiter.Kind;
import dev.warbler.core.access.RateLimiter.Refusal;
import dev.warbler.core.access.RateLimiter.Scope;
import dev.warbler.core.access.RateLimits.Rate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private RateLimiter limiter(Rate user, Rate signal, Rate app, Rate rest) {
    return new RateLimiter(
        new RateLimits(user, signal, app, rest, 8, RateLimits.DEFAULT_MAX_PAUSE_MILLIS),
        nanos::get);
  }

  private void advanceMillis(long ms) {
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  @Test
  void aUserGetsItsBurstThenARefusalWithTheTimeUntilTheNextToken() {
    RateLimiter limiter = limiter(new Rate(10, 5), Rate.UNLIMITED, Rate.UNLIMITED, Rate.UNLIMITED);
    RateLimiter.Subject ann = limiter.subject("acme", "ann");
    for (int i = 0; i < 5; i++) {
      assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    }

    Refusal refusal = limiter.acquire(ann, Kind.REQUEST);

    assertThat(refusal).isNotNull();
    assertThat(refusal.scope()).isEqualTo(Scope.USER);
    assertThat(refusal.retryAfterMillis()).isEqualTo(100);
    assertThat(refusal.message()).contains("10/s", "retry after 100 ms");
    assertThat(limiter.refused(Scope.USER)).isEqualTo(1);
    advanceMillis(100);
    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNotNull();
  }

  @Test
  void usersHaveTheirOwnBucketsAndSignalsTheirOwnClass() {
    RateLimiter limiter = limiter(new Rate(1, 1), new Rate(1, 2), Rate.UNLIMITED, Rate.UNLIMITED);
    RateLimiter.Subject ann = limiter.subject("acme", "ann");
    RateLimiter.Subject bob = limiter.subject("acme", "bob");
    RateLimiter.Subject otherAnn = limiter.subject("other", "ann");

    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNotNull();
    assertThat(limiter.acquire(bob, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(otherAnn, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(ann, Kind.SIGNAL)).isNull();
    assertThat(limiter.acquire(ann, Kind.SIGNAL)).isNull();
    assertThat(limiter.acquire(ann, Kind.SIGNAL))
        .extracting(Refusal::scope)
        .isEqualTo(Scope.SIGNAL);
    // one subject object per connection, one bucket per user: a second connection shares it
    assertThat(limiter.acquire(limiter.subject("acme", "ann"), Kind.REQUEST)).isNotNull();
  }

  @Test
  void theAppBucketSpansItsUsersAndAnAppRefusalGivesTheUserTokenBack() {
    RateLimiter limiter = limiter(new Rate(100, 2), Rate.UNLIMITED, new Rate(1, 3), Rate.UNLIMITED);
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.acquire(limiter.subject("acme", "u" + i), Kind.REQUEST)).isNull();
    }
    RateLimiter.Subject ann = limiter.subject("acme", "ann");

    assertThat(limiter.acquire(ann, Kind.REQUEST)).extracting(Refusal::scope).isEqualTo(Scope.APP);
    assertThat(limiter.acquire(limiter.subject("beta", "ann"), Kind.REQUEST)).isNull();
    advanceMillis(2_000);
    // ann's two tokens were not spent by the refused attempt
    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    assertThat(limiter.acquire(ann, Kind.REQUEST)).extracting(Refusal::scope).isEqualTo(Scope.USER);
  }

  @Test
  void restCallsHaveABucketPerAppKey() {
    RateLimiter limiter = limiter(Rate.UNLIMITED, Rate.UNLIMITED, Rate.UNLIMITED, new Rate(2, 2));

    assertThat(limiter.acquireRest("acme")).isNull();
    assertThat(limiter.acquireRest("acme")).isNull();
    Refusal refusal = limiter.acquireRest("acme");
    assertThat(limiter.acquireRest("beta")).isNull();

    assertThat(refusal).isNotNull();
    assertThat(refusal.scope()).isEqualTo(Scope.REST);
    assertThat(refusal.retryAfterMillis()).isEqualTo(500);
  }

  @Test
  void idleBucketsAreDroppedOnceTheyWouldBeFullAgain() {
    RateLimiter limiter =
        limiter(new Rate(10, 20), new Rate(10, 10), Rate.UNLIMITED, Rate.UNLIMITED);
    for (int i = 0; i < 1_000; i++) {
      limiter.acquire(limiter.subject("acme", "u" + i), Kind.REQUEST);
    }
    assertThat(limiter.trackedUsers()).isEqualTo(1_000);

    advanceMillis(2_000); // 20 tokens at 10/s: full again after 2 s, dropped a second later
    assertThat(limiter.trackedUsers()).isEqualTo(1_000);
    advanceMillis(1_001);

    assertThat(limiter.trackedUsers()).isZero();
  }

  @Test
  void unlimitedTakesNothingAndTracksNoOne() {
    RateLimiter limiter = RateLimiter.unlimited();
    RateLimiter.Subject ann = limiter.subject("acme", "ann");
    for (int i = 0; i < 10_000; i++) {
      assertThat(limiter.acquire(ann, Kind.REQUEST)).isNull();
    }
    assertThat(limiter.trackedUsers()).isZero();
  }

  @Test
  void aRateNeedsABurst() {
    assertThatThrownBy(() -> new Rate(5, 0)).hasMessageContaining("burst must be at least 1");
    assertThatThrownBy(() -> new Rate(-1, 5)).hasMessageContaining("must not be negative");
  }
}
