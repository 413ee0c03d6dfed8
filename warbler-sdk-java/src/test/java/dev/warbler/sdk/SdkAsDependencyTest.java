package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The SDK as an app gets it from Maven: on exactly its runtime classpath (written by the build into
 * {@code target/runtime-classpath.txt}), with no logging library of the app's, it works and prints
 * nothing about logging (SLF4J's "no providers" warning was the first thing a consumer saw).
 */
class SdkAsDependencyTest {
  @Test
  void anAppWithOnlyTheSdkOnItsClasspathRunsWithoutLoggingNoise() throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    String runtime = Files.readString(target.resolve("runtime-classpath.txt")).strip();
    assertThat(runtime).doesNotContain("slf4j", "logback");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(
        String.join(
            File.pathSeparator,
            target.resolve("classes").toString(),
            target.resolve("test-classes").toString(),
            runtime));
    cmd.add("dev.warbler.sdk.consumer.ConsumerMain");
    cmd.add(Integer.toString(closedPort));
    Process p = new ProcessBuilder(cmd).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).as(err).isTrue();
    assertThat(p.exitValue()).as(out + err).isZero();
    assertThat(out).contains("connect failed as expected");
    assertThat(err).doesNotContain("SLF4J");
  }
}
