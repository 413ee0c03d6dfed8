package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .mvn/jdk.sh}, which {@code ./mvnw} and {@code ./warbler} source: on a machine whose
 * default java is older than 21 (Debian's is 17) the README's two commands still find a JDK 21+.
 */
class JdkDiscoveryTest {
  @TempDir Path tmp;

  /** Runs {@code sh -c '. .mvn/jdk.sh; echo $JAVA_HOME'} with an old java first on the PATH. */
  private String javaHomeChosen(String javaHome) throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("old/bin"));
    // "java" here claims to be 17, like Debian's default.
    Path oldJava = bin.resolve("java");
    Files.writeString(
        oldJava,
        "#!/bin/sh\necho '    java.specification.version = 17' >&2\n",
        StandardCharsets.US_ASCII);
    Files.setPosixFilePermissions(oldJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    // The JDK running this test, where SDKMAN would keep one: found even off /usr/lib/jvm.
    Path candidates = Files.createDirectories(tmp.resolve("home/.sdkman/candidates/java"));
    if (!Files.exists(candidates.resolve("current"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(
          candidates.resolve("current"), Path.of(System.getProperty("java.home")));
    }
    Path root = Path.of("..").toAbsolutePath().normalize();
    ProcessBuilder pb =
        new ProcessBuilder("sh", "-c", ". .mvn/jdk.sh; echo \"$JAVA_HOME\"")
            .directory(root.toFile());
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("HOME", tmp.resolve("home").toString());
    if (javaHome.isEmpty()) {
      pb.environment().remove("JAVA_HOME");
    } else {
      pb.environment().put("JAVA_HOME", javaHome);
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    return out;
  }

  private static int feature(Path javaHome) throws Exception {
    Process p =
        new ProcessBuilder(
                javaHome.resolve("bin/java").toString(), "-XshowSettings:properties", "-version")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(1, TimeUnit.MINUTES);
    String v =
        out.lines()
            .filter(l -> l.strip().startsWith("java.specification.version = "))
            .findFirst()
            .orElseThrow()
            .split("=")[1]
            .strip();
    return Integer.parseInt(v.split("\\.")[0]);
  }

  @Test
  void anOldDefaultJavaIsReplacedByTheNewestJdkFound() throws Exception {
    String chosen = javaHomeChosen("");
    assertThat(chosen).isNotEmpty();
    assertThat(feature(Path.of(chosen))).isGreaterThanOrEqualTo(21);
  }

  @Test
  void anOldJavaHomeIsReplacedButAGoodOneIsKept() throws Exception {
    String old = tmp.resolve("old").toString();
    assertThat(feature(Path.of(javaHomeChosen(old)))).isGreaterThanOrEqualTo(21);
    String good = System.getProperty("java.home");
    assertThat(javaHomeChosen(good)).isEqualTo(good);
  }
}
