package dev.warbler.server;

import dev.warbler.api.ApiConfig;
import dev.warbler.api.HttpTimeouts;
import dev.warbler.api.RestApi;
import dev.warbler.core.Services;
import dev.warbler.core.access.AuthThrottle;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.access.TrustedProxies;
import dev.warbler.core.messaging.Templates;
import dev.warbler.core.spi.Stores;
import dev.warbler.core.webhooks.BeforeSendHooks;
import dev.warbler.core.webhooks.Webhooks;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The REST API, configured from {@link Settings} ({@code http.*}, {@code api.*}, templates' limit)
 * and TLS; not started. Made once the gateway is bound: discovery announces the gateway's bound
 * port. Called on the thread that starts the node.
 */
final class ApiWiring {
  private ApiWiring() {}

  static RestApi api(
      Settings settings,
      Services services,
      Stores stores,
      String adminKey,
      Supplier<String> metrics,
      BooleanSupplier ready,
      RateLimiter rates,
      AuthThrottle authThrottle,
      int webSocketPort,
      @Nullable ServerTls tls,
      OpenTelemetry telemetry,
      Webhooks webhooks,
      BeforeSendHooks beforeSend) {
    RestApi rest =
        new RestApi(
            new ApiConfig(
                settings.string(Setting.HTTP_HOST),
                settings.integer(Setting.HTTP_PORT),
                settings.integer(Setting.HTTP_MAX_BODY_BYTES),
                settings.string(Setting.HTTP_PUBLIC_WEBSOCKET_URL),
                webSocketPort,
                settings.string(Setting.GATEWAY_PATH),
                settings.integer(Setting.AUTH_TOKEN_MAX_TTL_SECONDS),
                TrustedProxies.parse(settings.list(Setting.HTTP_TRUSTED_PROXIES)),
                settings.list(Setting.HTTP_ALLOWED_HOSTS)),
            services,
            adminKey,
            metrics,
            ready,
            new Templates(
                stores.templates(),
                InstantSource.system(),
                settings.integer(Setting.LIMITS_MAX_TEMPLATE_BYTES)),
            rates,
            authThrottle,
            telemetry,
            webhooks,
            beforeSend);
    if (tls != null) {
      rest.enableTls(tls.api());
    }
    rest.useTimeouts(
        new HttpTimeouts(
            Duration.ofSeconds(settings.integer(Setting.HTTP_IDLE_TIMEOUT_SECONDS)),
            Duration.ofSeconds(settings.integer(Setting.HTTP_HEADER_TIMEOUT_SECONDS)),
            Duration.ofSeconds(settings.integer(Setting.HTTP_BODY_TIMEOUT_SECONDS))));
    return rest;
  }
}
