package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.bench.BenchCommand;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchEndToEndTest {
  private static final String KEY = "bench-test-admin-key-padded-to-be-strong-0123456789";

  @Test
  void aShortDirectRunDeliversEveryAckedMessageOnce(@TempDir Path data) {
    try (WarblerServer server =
        WarblerServer.start(
            Settings.defaults()
                .with(Setting.DATA_DIR, data.toString())
                .with(Setting.GATEWAY_HOST, "127.0.0.1")
                .with(Setting.HTTP_HOST, "127.0.0.1")
                .with(Setting.GATEWAY_PORT, "0")
                .with(Setting.HTTP_PORT, "0")
                .with(Setting.AUTH_ADMIN_KEY, KEY))) {
      Map<String, Object> r =
          BenchCommand.direct(
              URI.create("http://127.0.0.1:" + server.httpPort()), KEY, "default", 4, 200, 2);

      assertThat(r.get("scenario")).isEqualTo("direct");
      assertThat((Long) r.get("sent")).isPositive();
      assertThat((Long) r.get("lost")).isZero();
      assertThat((Long) r.get("duplicates")).isZero();
      assertThat((Long) r.get("delivered")).isEqualTo((Long) r.get("acked"));
    }
  }
}
