package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.access.RateLimits.Rate;
import org.junit.jupiter.api.Test;

class ControlFrameBudgetTest {
  private static final long MS = 1_000_000L;

  @Test
  void aNewConnectionHasItsBurstThenOneFramePerRefillInterval() {
    ControlFrameBudget budget = new ControlFrameBudget(new Rate(5, 3));
    long t = 42 * MS;
    assertThat(budget.tryTake(t)).isTrue();
    assertThat(budget.tryTake(t)).isTrue();
    assertThat(budget.tryTake(t)).isTrue();
    assertThat(budget.tryTake(t)).as("burst used up").isFalse();

    assertThat(budget.tryTake(t + 199 * MS)).as("a token takes 200 ms at 5/s").isFalse();
    assertThat(budget.tryTake(t + 200 * MS)).isTrue();
    assertThat(budget.tryTake(t + 200 * MS)).isFalse();
  }

  @Test
  void aLongQuietSpellRefillsOnlyUpToTheBurst() {
    ControlFrameBudget budget = new ControlFrameBudget(new Rate(5, 2));
    assertThat(budget.tryTake(0)).isTrue();
    assertThat(budget.tryTake(0)).isTrue();

    long later = 3_600_000 * MS;
    assertThat(budget.tryTake(later)).isTrue();
    assertThat(budget.tryTake(later)).isTrue();
    assertThat(budget.tryTake(later)).isFalse();
  }

  @Test
  void anUnlimitedBudgetNeverRefuses() {
    ControlFrameBudget budget = new ControlFrameBudget(Rate.UNLIMITED);
    for (int i = 0; i < 10_000; i++) {
      assertThat(budget.tryTake(0)).isTrue();
    }
    assertThat(budget.unlimited()).isTrue();
  }
}
