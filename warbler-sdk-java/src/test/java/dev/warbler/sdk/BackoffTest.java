package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private final Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

  @Test
  void theCeilingDoublesFromTheInitialDelayUpToTheMaximum() {
    assertThat(backoff.ceiling(0)).isEqualTo(Duration.ofMillis(250));
    assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(backoff.ceiling(6)).isEqualTo(Duration.ofMillis(16_000));
    assertThat(backoff.ceiling(7)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.ceiling(1_000)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void everyDelayLiesBetweenZeroAndTheCeiling() {
    SplittableRandom random = new SplittableRandom(42);
    for (int attempt = 0; attempt < 70; attempt++) {
      for (int i = 0; i < 200; i++) {
        assertThat(backoff.delay(attempt, random))
            .isBetween(Duration.ZERO, backoff.ceiling(attempt));
      }
    }
  }

  @Test
  void delaysAreJitteredAcrossTheWholeRange() {
    SplittableRandom random = new SplittableRandom(7);
    long below = 0;
    long above = 0;
    for (int i = 0; i < 1_000; i++) {
      long millis = backoff.delay(10, random).toMillis();
      if (millis < 10_000) {
        below++;
      } else if (millis > 20_000) {
        above++;
      }
    }
    assertThat(below).isGreaterThan(200);
    assertThat(above).isGreaterThan(200);
  }

  @Test
  void aMaximumBelowTheInitialDelayIsRejectedWithBothValues() {
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT2S")
        .hasMessageContaining("PT1S");
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .hasMessageContaining("initial backoff must be positive");
  }
}
