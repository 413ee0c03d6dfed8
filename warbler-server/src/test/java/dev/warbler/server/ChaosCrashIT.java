package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.server.cluster.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@code warbler chaos crash} command from the runnable jar, as an operator would: it
 * starts {@code warbler.jar serve} with default settings, SIGKILLs it five times at random moments
 * while WebSocket and REST senders send to direct and group conversations, restarts it on the same
 * data, and checks the history read back. Nothing acked may be lost, duplicated, skipped,
 * reordered, or delivered to a non-member; and the server must have run with FULL durability, since
 * nothing was configured. The same with three nodes on PostgreSQL and NATS, one killed per round.
 */
class ChaosCrashIT {
  @Test
  void fiveKillsLoseNothingThatWasAcked(@TempDir Path tmp) throws Exception {
    JsonNode r = chaos(tmp, "--rounds", "5", "--round-seconds", "1.5", "--seed", "5");
    assertThat(r.get("kills").asInt()).isEqualTo(5);
    assertNoViolation(r);
    assertThat(r.get("synchronous").asText())
        .as("serve with no durability configured syncs every commit")
        .isEqualTo("FULL");
  }

  /**
   * Three nodes on the machine's PostgreSQL and NATS; each round SIGKILLs one while the others
   * serve, and its clients move to another node, sync and retry there.
   */
  @Test
  void threeNodesLoseNothingWhenOneIsKilledPerRound(@TempDir Path tmp) throws Exception {
    JsonNode r =
        chaos(
            tmp,
            "--cluster",
            "3",
            "--postgres-url",
            TestPostgres.URL,
            "--postgres-user",
            TestPostgres.USER,
            "--rounds",
            "3",
            "--round-seconds",
            "1.5",
            "--seed",
            "11");
    try {
      assertThat(r.get("nodes").asInt()).isEqualTo(3);
      assertThat(r.get("nodesKilled").asInt()).isEqualTo(3);
      assertThat(r.get("clientsMoved").asInt()).as("%s", r).isPositive();
      assertNoViolation(r);
    } finally {
      TestPostgres.drop(r.get("schema").asText());
    }
  }

  /** Runs {@code warbler chaos crash ARGS --json} from the jar; its JSON figures. */
  private static JsonNode chaos(Path tmp, String... args) throws Exception {
    Path jar = Path.of("target", "warbler.jar").toAbsolutePath();
    assertThat(jar).as("build the runnable jar first").isRegularFile();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(List.of("-Xmx256m", "-jar", jar.toString(), "chaos", "crash"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--data", tmp.resolve("data").toString(), "--json"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(tmp.resolve("chaos.err").toFile());
    pb.environment().remove("WARBLER_STORE_SQLITE_DURABILITY");
    pb.environment().remove("WARBLER_CONFIG");
    if (TestPostgres.PASSWORD.isEmpty()) {
      pb.environment().remove("PGPASSWORD");
    } else {
      pb.environment().put("PGPASSWORD", TestPostgres.PASSWORD);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String err = Files.readString(tmp.resolve("chaos.err"));
    assertThat(p.exitValue()).as(out + err).isZero();
    return new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElse("{}"));
  }

  private static void assertNoViolation(JsonNode r) {
    String out = r.toString();
    assertThat(r.get("ok").asBoolean()).as(out).isTrue();
    assertThat(r.get("acked").asLong()).as(out).isPositive();
    for (String violation :
        List.of(
            "lost",
            "duplicates",
            "gaps",
            "reordered",
            "strayDeliveries",
            "mismatched",
            "repeatedSeqs",
            "nonMemberMessages",
            "phantomDeliveries",
            "outsiderAcked")) {
      assertThat(r.get(violation).asLong()).as(violation + " in " + out).isZero();
    }
    assertThat(r.get("killsWithSendsInFlight").asLong())
        .as("kills that landed with sends in flight: " + out)
        .isPositive();
    assertThat(r.get("retried").asLong()).as(out).isPositive();
    assertThat(r.get("outsiderRefused").asLong()).as(out).isPositive();
  }
}
