package dev.warbler.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
  private static final String BODY = "{\"id\":\"evt_1\",\"type\":\"message.stored\"}";

  @Test
  void aSignatureMatchesAFixedVectorOfHmacSha256OverTimestampDotBody() {
    // openssl: printf '1700000000.{"id":"evt_1","type":"message.stored"}' |
    //   openssl dgst -sha256 -hmac whsec_test
    assertThat(WebhookSignature.sign("whsec_test", 1_700_000_000L, BODY)).isEqualTo(VECTOR);
  }

  private static final String VECTOR =
      "530ab63b4686f5980244e76d08fe4c9de23fcf1737d37df888bcf1d400e24b0b";

  @Test
  void verifyAcceptsTheRightSecretWithinTheToleranceOnly() {
    String header = WebhookSignature.header(List.of("s1"), 1_000, BODY);
    assertThat(WebhookSignature.verify("s1", header, 1_000, BODY, 1_200, 300)).isTrue();
    assertThat(WebhookSignature.verify("s2", header, 1_000, BODY, 1_200, 300)).isFalse();
    assertThat(WebhookSignature.verify("s1", header, 1_000, BODY + " ", 1_200, 300)).isFalse();
    assertThat(WebhookSignature.verify("s1", header, 1_001, BODY, 1_200, 300))
        .as("the timestamp is signed")
        .isFalse();
    assertThat(WebhookSignature.verify("s1", header, 1_000, BODY, 1_301, 300))
        .as("too old")
        .isFalse();
  }

  @Test
  void duringARotationEitherSecretVerifies() {
    String header = WebhookSignature.header(List.of("new", "old"), 1_000, BODY);
    assertThat(header).matches("v1=[0-9a-f]{64},v1=[0-9a-f]{64}");
    assertThat(WebhookSignature.verify("new", header, 1_000, BODY, 1_000, 300)).isTrue();
    assertThat(WebhookSignature.verify("old", header, 1_000, BODY, 1_000, 300)).isTrue();
    assertThat(WebhookSignature.verify("other", header, 1_000, BODY, 1_000, 300)).isFalse();
  }
}
