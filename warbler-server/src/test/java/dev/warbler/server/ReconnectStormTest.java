package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.bench.BenchCommand;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reconnect storm after a restart: a thousand connected clients, the server closes and starts
 * again on the same ports and data, two messages reach each client while it is away, then all of
 * them reconnect at the same instant (no jitter), authenticate, sync and pull. Zero errors, nothing
 * lost. {@code ./warbler bench storm --spawn --clients 5000} runs the same against a child process
 * and prints the times.
 */
class ReconnectStormTest {
  private static final String KEY = "storm-test-admin-key-padded-to-be-strong-0123456789";

  private static Settings settings(Path data, int wsPort, int httpPort) {
    return Settings.defaults()
        .with(Setting.DATA_DIR, data.toString())
        .with(Setting.GATEWAY_HOST, "127.0.0.1")
        .with(Setting.HTTP_HOST, "127.0.0.1")
        .with(Setting.GATEWAY_PORT, Integer.toString(wsPort))
        .with(Setting.HTTP_PORT, Integer.toString(httpPort))
        .with(Setting.AUTH_ADMIN_KEY, KEY)
        .with(Setting.STORE_DURABILITY, "NORMAL");
  }

  @Test
  void aThousandClientsReconnectingAtOnceAfterARestartAllSyncTheirBacklog(@TempDir Path data)
      throws Exception {
    AtomicReference<WarblerServer> current =
        new AtomicReference<>(WarblerServer.start(settings(data, 0, 0)));
    int wsPort = current.get().webSocketPort();
    int httpPort = current.get().httpPort();
    try {
      Map<String, Object> r =
          BenchCommand.storm(
              URI.create("http://127.0.0.1:" + httpPort),
              KEY,
              "default",
              1_000,
              2,
              0,
              () -> {
                current.get().close();
                current.set(WarblerServer.start(settings(data, wsPort, httpPort)));
              });

      assertThat(r.get("connected_before")).isEqualTo(1_000);
      assertThat((Long) r.get("backlog_acked")).isEqualTo(2_000L);
      assertThat((Long) r.get("send_errors")).isZero();
      assertThat((Long) r.get("synced")).isEqualTo(1_000L);
      assertThat((Long) r.get("errors")).isZero();
      assertThat((Long) r.get("lost")).isZero();
      assertThat((Long) r.get("received")).isEqualTo(2_000L);
      System.out.println("figures: storm " + r);
    } finally {
      current.get().close();
    }
  }
}
