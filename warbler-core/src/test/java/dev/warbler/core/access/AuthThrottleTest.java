package dev.warbler.core.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AuthThrottle throttle = new AuthThrottle(6, 3, 100, now::get);

  @Test
  void anAddressMayFailItsBurstThenWaitsForTheRefill() {
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.retryAfterMillis("1.2.3.4", AuthThrottle.Surface.REST)).isZero();
      throttle.failed("1.2.3.4", AuthThrottle.Surface.REST);
    }
    // 6 per minute: one every 10 s.
    assertThat(throttle.retryAfterMillis("1.2.3.4", AuthThrottle.Surface.REST))
        .isBetween(9_000L, 10_000L);
    assertThat(throttle.retryAfterMillis("5.6.7.8", AuthThrottle.Surface.GATEWAY)).isZero();
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    assertThat(throttle.retryAfterMillis("1.2.3.4", AuthThrottle.Surface.REST)).isZero();
    assertThat(throttle.failures(AuthThrottle.Surface.REST)).isEqualTo(3);
    assertThat(throttle.refused(AuthThrottle.Surface.REST)).isEqualTo(1);
    assertThat(throttle.refused(AuthThrottle.Surface.GATEWAY)).isZero();
  }

  @Test
  void memoryIsBoundedByTheTrackedAddresses() {
    AuthThrottle small = new AuthThrottle(6, 3, 10, now::get);
    for (int i = 0; i < 1_000; i++) {
      small.failed("10.0." + i / 256 + "." + i % 256, AuthThrottle.Surface.REST);
    }
    assertThat(small.trackedAddresses()).isLessThanOrEqualTo(10);
  }

  @Test
  void anIdleAddressIsForgottenOnceItsBucketWouldBeFull() {
    throttle.failed("1.2.3.4", AuthThrottle.Surface.REST);
    now.addAndGet(TimeUnit.SECONDS.toNanos(60));
    assertThat(throttle.trackedAddresses()).isZero();
  }

  @Test
  void offCountsButNeverRefuses() {
    AuthThrottle off = AuthThrottle.off();
    for (int i = 0; i < 100; i++) {
      off.failed("1.2.3.4", AuthThrottle.Surface.GATEWAY);
    }
    assertThat(off.retryAfterMillis("1.2.3.4", AuthThrottle.Surface.GATEWAY)).isZero();
    assertThat(off.failures(AuthThrottle.Surface.GATEWAY)).isEqualTo(100);
  }
}
