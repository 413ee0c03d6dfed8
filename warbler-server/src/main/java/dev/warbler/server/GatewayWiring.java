package dev.warbler.server;

import dev.warbler.core.Services;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.RateLimits;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.gateway.Gateway;
import dev.warbler.gateway.GatewayConfig;
import dev.warbler.gateway.GatewayLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;

/**
 * The WebSocket gateway, configured from {@link Settings} ({@code gateway.*}, its connection and
 * control-frame limits, {@code http.trusted-proxies}); not started. Called once, on the thread that
 * starts the node.
 */
final class GatewayWiring {
  private GatewayWiring() {}

  static Gateway gateway(
      Settings settings,
      Services services,
      MeterRegistry meters,
      RateLimiter rates,
      AuthThrottle authThrottle,
      OpenTelemetry telemetry) {
    Gateway gateway =
        new Gateway(
            new GatewayConfig(
                settings.string(Setting.GATEWAY_HOST),
                settings.integer(Setting.GATEWAY_PORT),
                settings.string(Setting.GATEWAY_PATH),
                settings.integer(Setting.GATEWAY_MAX_FRAME_BYTES),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_IDLE_TIMEOUT_SECONDS)),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_AUTH_TIMEOUT_SECONDS)),
                Duration.ofSeconds(settings.integer(Setting.GATEWAY_HANDSHAKE_TIMEOUT_SECONDS)),
                settings.integer(Setting.GATEWAY_MAX_OUTBOUND_BYTES),
                settings.list(Setting.GATEWAY_ALLOWED_ORIGINS),
                settings.bool(Setting.GATEWAY_COMPRESSION),
                settings.integer(Setting.GATEWAY_SOCKET_SEND_BUFFER_BYTES)),
            services,
            meters,
            new GatewayLimits(
                rates,
                settings.integer(Setting.GATEWAY_MAX_CONNECTIONS_PER_IP),
                settings.integer(Setting.GATEWAY_MAX_CONNECTIONS_PER_USER),
                new RateLimits.Rate(
                    settings.integer(Setting.LIMITS_RATE_CONTROL_PER_SECOND),
                    settings.integer(Setting.LIMITS_RATE_CONTROL_BURST)),
                authThrottle),
            telemetry);
    gateway.trustProxies(TrustedProxies.parse(settings.list(Setting.HTTP_TRUSTED_PROXIES)));
    return gateway;
  }
}
