package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SSRF rules of webhook targets: each refused address class, the allow-list, the scheme. */
class WebhookTargetsTest {
  private final WebhookTargets defaults = new WebhookTargets(false, List.of());

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1|a loopback address",
        "127.8.9.10|a loopback address",
        "[::1]|a loopback address",
        "169.254.169.254|the cloud metadata address",
        "169.254.10.1|a link-local address",
        "[fe80::1]|a link-local address",
        "10.1.2.3|a private address",
        "172.16.0.1|a private address",
        "172.31.255.255|a private address",
        "192.168.1.1|a private address",
        "100.64.0.1|a carrier-grade NAT address",
        "[fc00::1]|a unique-local address",
        "[fd12:3456::1]|a unique-local address",
        "224.0.0.1|a multicast address",
        "[ff02::1]|a multicast address",
        "0.0.0.0|an unspecified address",
        "[::]|an unspecified address",
        "255.255.255.255|a reserved or broadcast address",
        "[::ffff:127.0.0.1]|a loopback address",
        "[::ffff:169.254.169.254]|the cloud metadata address",
        "[::127.0.0.1]|a loopback address inside an IPv6 address",
        "[64:ff9b::a00:1]|a private address inside an IPv6 address",
        "[2002:a9fe:a9fe::1]|the cloud metadata address inside an IPv6 address",
        "[fec0::1]|a private address",
      })
  void aNonPublicAddressIsRefusedByDefault(String host, String why) {
    assertThat(defaults.refusal("https://" + host + "/hooks"))
        .hasValueSatisfying(r -> assertThat(r).contains(why));
  }

  @Test
  void aPublicAddressIsAccepted() {
    assertThat(defaults.refusal("https://203.0.113.10/hooks")).isEmpty();
    assertThat(defaults.refusal("https://[2001:db8::10]:8443/hooks")).isEmpty();
  }

  @Test
  void plainHttpNeedsTheDevelopmentSetting() {
    assertThat(defaults.refusal("http://203.0.113.10/hooks"))
        .hasValueSatisfying(r -> assertThat(r).contains("https only"));
    assertThat(new WebhookTargets(true, List.of()).refusal("http://203.0.113.10/hooks")).isEmpty();
    assertThat(defaults.refusal("ftp://203.0.113.10/hooks")).isPresent();
    assertThat(defaults.refusal("file:///etc/passwd")).isPresent();
  }

  @Test
  void theAllowListPermitsItsNetworksOnly() {
    WebhookTargets vpc = new WebhookTargets(false, List.of("10.1.0.0/16", "127.0.0.1"));
    assertThat(vpc.refusal("https://10.1.200.3/hooks")).isEmpty();
    assertThat(vpc.refusal("https://127.0.0.1:9000/hooks")).isEmpty();
    assertThat(vpc.refusal("https://10.2.0.1/hooks")).isPresent();
    assertThat(vpc.refusal("https://127.0.0.2/hooks")).isPresent();
    assertThat(vpc.refusal("https://169.254.169.254/latest/meta-data")).isPresent();
  }

  @Test
  void aHostThatDoesNotResolveIsRefused() {
    assertThat(defaults.refusal("https://no-such-host.invalid/hooks"))
        .hasValueSatisfying(r -> assertThat(r).contains("does not resolve"));
  }

  @Test
  void aBadAllowListFailsTheStartWithTheSettingNamed() {
    assertThatThrownBy(() -> new WebhookTargets(false, List.of("intranet.example")))
        .hasMessageContaining("webhooks.allowed-networks");
    assertThatThrownBy(() -> new WebhookTargets(false, List.of("10.0.0.0/33")))
        .hasMessageContaining("invalid prefix length");
  }
}
