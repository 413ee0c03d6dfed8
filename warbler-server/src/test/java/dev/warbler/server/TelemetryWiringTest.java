package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.api.OpenTelemetry;
import org.junit.jupiter.api.Test;

/** The {@code otel.*} settings: off by default, the collector's URL, the sampler ratio. */
class TelemetryWiringTest {

  @Test
  void withNoEndpointTracesAreOffAndCostTheNoOpImplementation() throws Exception {
    TelemetryWiring.Telemetry off = TelemetryWiring.open(Settings.defaults(), "n1");
    assertThat(off.on()).isFalse();
    assertThat(off.api()).isSameAs(OpenTelemetry.noop());
    off.closer().close();
  }

  @Test
  void anEndpointTurnsTracesOnWithTheSdk() throws Exception {
    TelemetryWiring.Telemetry on =
        TelemetryWiring.open(
            Settings.defaults()
                .with(Setting.OTEL_EXPORTER_OTLP_ENDPOINT, "http://127.0.0.1:4318")
                .with(Setting.OTEL_SAMPLER_RATIO, "0.25"),
            "n1");
    try {
      assertThat(on.on()).isTrue();
      assertThat(on.api().getTracer("t").spanBuilder("s").startSpan().getSpanContext().isValid())
          .isTrue();
    } finally {
      on.closer().close();
    }
  }

  @Test
  void theTracesPathIsAppendedToTheBaseUrlOnce() {
    assertThat(TelemetryWiring.tracesUrl("http://collector:4318"))
        .isEqualTo("http://collector:4318/v1/traces");
    assertThat(TelemetryWiring.tracesUrl("https://collector/otlp/"))
        .isEqualTo("https://collector/otlp/v1/traces");
    assertThat(TelemetryWiring.tracesUrl("http://collector:4318/v1/traces"))
        .isEqualTo("http://collector:4318/v1/traces");
  }

  @Test
  void aBadEndpointOrRatioIsRefusedNamingTheSettingAndItsVariable() {
    for (String bad : new String[] {"collector:4318", "ftp://collector", "http://", "::"}) {
      assertThatThrownBy(() ->
              TelemetryWiring.open(
                  Settings.defaults().with(Setting.OTEL_EXPORTER_OTLP_ENDPOINT, bad), "n"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("otel.exporter.otlp.endpoint must be an http:// or https:// URL")
          .hasMessageContaining("WARBLER_OTEL_EXPORTER_OTLP_ENDPOINT");
    }
    for (String bad : new String[] {"1.5", "-0.1", "all", "NaN"}) {
      assertThatThrownBy(() ->
              TelemetryWiring.open(Settings.defaults().with(Setting.OTEL_SAMPLER_RATIO, bad), "n"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "otel.sampler-ratio must be a number from 0.0 to 1.0 but was '"
                  + bad
                  + "' (WARBLER_OTEL_SAMPLER_RATIO)");
    }
  }
}
