package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TypingThrottleTest {
  private final TypingThrottle throttle = new TypingThrottle(1_000);

  @Test
  void oneEventPerConversationPerIntervalIsForwarded() {
    assertThat(throttle.allow("d:a:b", true, 0)).isTrue();
    assertThat(throttle.allow("d:a:b", true, 999)).isFalse();
    assertThat(throttle.allow("g:x", true, 999)).isTrue();
    assertThat(throttle.allow("d:a:b", true, 1_000)).isTrue();
  }

  @Test
  void aStopAfterAForwardedStartAlwaysPassesButRepeatedStopsDoNot() {
    assertThat(throttle.allow("d:a:b", true, 0)).isTrue();
    assertThat(throttle.allow("d:a:b", false, 10)).isTrue();
    assertThat(throttle.allow("d:a:b", false, 20)).isFalse();
    assertThat(throttle.allow("d:a:b", true, 30)).isFalse();
  }

  @Test
  void aRefusalIsReportedOncePerConversation() {
    assertThat(throttle.firstRefusal("g:big")).isTrue();
    assertThat(throttle.firstRefusal("g:big")).isFalse();
    assertThat(throttle.firstRefusal("g:other")).isTrue();
  }

  @Test
  void itRemembersABoundedNumberOfConversations() {
    for (int i = 0; i <= TypingThrottle.MAX_CONVERSATIONS; i++) {
      throttle.allow("g:" + i, true, 0);
    }
    // The first one was forgotten, so it starts afresh.
    assertThat(throttle.allow("g:0", true, 1)).isTrue();
    assertThat(throttle.allow("g:" + TypingThrottle.MAX_CONVERSATIONS, true, 1)).isFalse();
  }
}
