package dev.warbler.core.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
  private final TrustedProxies proxies =
      TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8"));

  @Test
  void addressesAndBlocksOfBothFamiliesAreMatched() {
    assertThat(proxies.trusts("10.200.3.4")).isTrue();
    assertThat(proxies.trusts("11.0.0.1")).isFalse();
    assertThat(proxies.trusts("192.168.1.7")).isTrue();
    assertThat(proxies.trusts("192.168.1.8")).isFalse();
    assertThat(proxies.trusts("fd12::1")).isTrue();
    assertThat(proxies.trusts("fe80::1")).isFalse();
    assertThat(TrustedProxies.parse(List.of("10.1.2.0/23")).trusts("10.1.3.255")).isTrue();
    assertThat(TrustedProxies.parse(List.of("10.1.2.0/23")).trusts("10.1.4.0")).isFalse();
  }

  @Test
  void hostNamesAndNonsenseAreNeverLookedUpAndNeverTrusted() {
    assertThat(proxies.trusts("localhost")).isFalse();
    assertThat(proxies.trusts("10.0.0.1.evil.example")).isFalse();
    assertThat(proxies.trusts("999.0.0.1")).isFalse();
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.internal")))
        .hasMessageContaining("http.trusted-proxies entry 'proxy.internal'");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
        .hasMessageContaining("prefix length");
  }

  @Test
  void theClientIsTheRightMostHopThatIsNotATrustedProxy() {
    assertThat(proxies.clientAddress("10.0.0.5", "203.0.113.7")).isEqualTo("203.0.113.7");
    assertThat(proxies.clientAddress("10.0.0.5", "1.1.1.1, 203.0.113.7, 10.0.0.9"))
        .isEqualTo("203.0.113.7");
    assertThat(proxies.clientAddress("10.0.0.5", "203.0.113.7:4711")).isEqualTo("203.0.113.7");
    // Only trusted hops: the left-most is the best we know.
    assertThat(proxies.clientAddress("10.0.0.5", "10.0.0.1, 10.0.0.2")).isEqualTo("10.0.0.1");
    // A peer that is not trusted is the client, whatever it claims.
    assertThat(proxies.clientAddress("203.0.113.7", "10.9.9.9")).isEqualTo("203.0.113.7");
    // Garbage in the chain stops at the last readable hop.
    assertThat(proxies.clientAddress("10.0.0.5", "junk, 10.0.0.2")).isEqualTo("10.0.0.2");
    assertThat(TrustedProxies.none().clientAddress("10.0.0.5", "1.2.3.4")).isEqualTo("10.0.0.5");
  }
}
