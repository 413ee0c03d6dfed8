package dev.warbler.api;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.metering.Metering;
import dev.warbler.core.metering.UsageReport;
import dev.warbler.protocol.ErrorCode;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** An app's usage report for a month (UTC): users, active users, messages, connections, bytes. */
final class UsageRoutes {
  private final ApiSupport api;
  private final Metering metering;
  private final InstantSource clock;

  UsageRoutes(ApiSupport api, Metering metering, InstantSource clock) {
    this.api = api;
    this.metering = metering;
    this.clock = clock;
  }

  List<Route> routes() {
    return List.of(new Route("GET", "/v1/apps/{app}/usage", "getUsage", this::usage));
  }

  private void usage(Context ctx) {
    App app = api.authorizeApp(ctx);
    YearMonth month = monthParam(ctx.queryParam("month"), clock.millis());
    UsageReport r = metering.report(app.id(), month);
    api.send(
        ctx,
        200,
        new Dtos.UsageView(
            r.app(),
            r.month().toString(),
            r.users(),
            r.dailyActiveUsers(),
            r.monthlyActiveUsers(),
            r.messagesSent(),
            r.peakConnections(),
            r.storedBytes(),
            r.days().stream()
                .map(d ->
                    new Dtos.UsageDay(
                        d.day().toString(), d.activeUsers(), d.messages(), d.peakConnections()))
                .toList()));
  }

  /** The {@code month} query parameter; absent means the month of {@code nowMillis} (UTC). */
  static YearMonth monthParam(@Nullable String param, long nowMillis) {
    if (param == null || param.isEmpty()) {
      return YearMonth.from(Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC));
    }
    try {
      return YearMonth.parse(param);
    } catch (DateTimeParseException e) {
      throw new WarblerException(
          ErrorCode.INVALID_ARGUMENT,
          "query parameter month must look like 2026-11 but was '" + ApiSupport.clip(param) + "'");
    }
  }
}
