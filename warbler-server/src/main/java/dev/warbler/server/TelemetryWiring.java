package dev.warbler.server;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * The node's OpenTelemetry (traces only): off unless {@code otel.exporter.otlp.endpoint} names a
 * collector, then an SDK that batches spans to it over OTLP/HTTP (protobuf), samples new traces at
 * {@code otel.sampler-ratio} and follows the parent's decision otherwise, and propagates W3C trace
 * context. Off, every module gets {@link OpenTelemetry#noop()} and makes no span at all. Each node
 * has its own SDK (never the global one): several nodes in one JVM trace apart. Called once, on the
 * thread that starts the node.
 */
final class TelemetryWiring {

  /** The node's OpenTelemetry, and what flushes and stops it when the node stops. */
  record Telemetry(OpenTelemetry api, AutoCloseable closer) {
    static final Telemetry OFF = new Telemetry(OpenTelemetry.noop(), () -> {});

    boolean on() {
      return api != OpenTelemetry.noop();
    }
  }

  /** How long closing the node waits for the last spans to reach the collector. */
  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);

  private TelemetryWiring() {}

  static Telemetry open(Settings settings, String node) {
    double ratio = ratio(settings.string(Setting.OTEL_SAMPLER_RATIO));
    String endpoint = settings.string(Setting.OTEL_EXPORTER_OTLP_ENDPOINT).strip();
    if (endpoint.isEmpty()) {
      return Telemetry.OFF;
    }
    String traces = tracesUrl(endpoint);
    String service = settings.string(Setting.OTEL_SERVICE_NAME).strip();
    if (service.isEmpty()) {
      throw new IllegalArgumentException(
          Setting.OTEL_SERVICE_NAME.key() + " must not be empty when traces are on");
    }
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.builder()
                        .put("service.name", service)
                        .put("service.instance.id", node)
                        .build()));
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(traces).setTimeout(FLUSH_TIMEOUT).build();
    SdkTracerProvider tracers =
        SdkTracerProvider.builder()
            .setResource(resource)
            .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(ratio)))
            .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
            .build();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(tracers)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    // Shutdown flushes the batch: the spans of the last requests reach the collector.
    return new Telemetry(
        sdk,
        () ->
            sdk.shutdown()
                .join(FLUSH_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
  }

  /** {@code BASE/v1/traces}, as OTLP/HTTP exporters configured by a base endpoint post to. */
  static String tracesUrl(String endpoint) {
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw invalidEndpoint(endpoint);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw invalidEndpoint(endpoint);
    }
    String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    return base.endsWith("/v1/traces") ? base : base + "/v1/traces";
  }

  private static IllegalArgumentException invalidEndpoint(String endpoint) {
    return new IllegalArgumentException(
        Setting.OTEL_EXPORTER_OTLP_ENDPOINT.key()
            + " must be an http:// or https:// URL of an OTLP/HTTP collector (e.g."
            + " http://127.0.0.1:4318) but was '"
            + endpoint
            + "' ("
            + Setting.OTEL_EXPORTER_OTLP_ENDPOINT.environmentVariable()
            + ")");
  }

  static double ratio(String value) {
    double r;
    try {
      r = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      r = Double.NaN;
    }
    if (!(r >= 0.0 && r <= 1.0)) {
      throw new IllegalArgumentException(
          Setting.OTEL_SAMPLER_RATIO.key()
              + " must be a number from 0.0 to 1.0 but was '"
              + value
              + "' ("
              + Setting.OTEL_SAMPLER_RATIO.environmentVariable()
              + ")");
    }
    return r;
  }
}
