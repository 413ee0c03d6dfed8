package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * nothing was configured.
 */
class ChaosCrashIT {
  @Test
  void fiveKillsLoseNothingThatWasAcked(@TempDir Path tmp) throws Exception {
    Path jar = Path.of("target", "warbler.jar").toAbsolutePath();
    assertThat(jar).as("build the runnable jar first").isRegularFile();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java));
    if (Runtime.version().feature() >= 24) {
      cmd.add("--sun-misc-unsafe-memory-access=allow");
    }
    cmd.addAll(
        List.of(
            "-Xmx256m",
            "-jar",
            jar.toString(),
            "chaos",
            "crash",
            "--rounds",
            "5",
            "--round-seconds",
            "1.5",
            "--seed",
            "5",
            "--data",
            tmp.resolve("data").toString(),
            "--json"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(tmp.resolve("chaos.err").toFile());
    pb.environment().remove("WARBLER_STORE_SQLITE_DURABILITY");
    pb.environment().remove("WARBLER_CONFIG");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    String err = Files.readString(tmp.resolve("chaos.err"));

    assertThat(p.exitValue()).as(out + err).isZero();
    JsonNode r = new ObjectMapper().readTree(out.strip().lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.get("ok").asBoolean()).as(out).isTrue();
    assertThat(r.get("rounds").asInt()).isEqualTo(5);
    assertThat(r.get("kills").asInt()).isEqualTo(5);
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
    assertThat(r.get("synchronous").asText())
        .as("serve with no durability configured syncs every commit")
        .isEqualTo("FULL");
  }
}
