package dev.warbler.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.server.Setting;
import dev.warbler.server.deploy.Kustomize.Rendered;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image {@code package} builds ({@code target/jib-image.tar}), checked without a
 * container engine: its layers are unpacked into a directory, and its entrypoint runs there in its
 * own mount and PID namespaces ({@code unshare}), as its user, on a read-only root, the way the
 * single-node Kubernetes overlay runs it (its settings, volumes, secrets and user). Needs root, as
 * {@code unshare} and {@code mount} do; CI runs as root.
 */
class ContainerImageIT {
  static final Path IMAGE_TAR = Path.of("target", "jib-image.tar").toAbsolutePath();

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Runs {@code "$@"} in the unpacked image {@code $1} as {@code $2:$3} in directory {@code $4}
   * after mounting what a container runtime would: /proc, /dev's basic nodes, and each {@code
   * SOURCE:TARGET[:ro]} bind mount named in {@code WARBLER_TEST_MOUNTS} (tmpfs when SOURCE is
   * "tmpfs"); with {@code $5 = ro} the image itself is mounted read-only. Runs inside {@code
   * unshare --mount --pid --fork}, so every mount goes away with the process.
   */
  private static final String RUN_IN_IMAGE =
      """
      set -eu
      root=$1; uid=$2; gid=$3; wd=$4; ro=$5; shift 5
      mount --bind "$root" "$root"
      if [ "$ro" = ro ]; then mount -o remount,bind,ro "$root"; fi
      mount -t proc proc "$root/proc"
      mount -t tmpfs -o mode=0755 tmpfs "$root/dev"
      mknod -m 666 "$root/dev/null" c 1 3
      mknod -m 666 "$root/dev/zero" c 1 5
      mknod -m 666 "$root/dev/random" c 1 8
      mknod -m 666 "$root/dev/urandom" c 1 9
      for m in ${WARBLER_TEST_MOUNTS:-}; do
        source=${m%%:*}; rest=${m#*:}; target=${rest%%:*}; mode=${rest#"$target"}
        if [ "$source" = tmpfs ]; then
          mount -t tmpfs -o mode=0777 tmpfs "$root$target"
        else
          mount --bind "$source" "$root$target"
          if [ "$mode" = :ro ]; then mount -o remount,bind,ro "$root$target"; fi
        fi
      done
      unset WARBLER_TEST_MOUNTS
      exec unshare --root="$root" --wd="$wd" --setgid="$gid" --setuid="$uid" -- "$@"
      """;

  private static Path root;
  private static JsonNode config;

  /** Where the image is unpacked: under target/, as /tmp may be mounted noexec. */
  private static Path dir;

  @BeforeAll
  static void unpack() throws Exception {
    if (!Files.isRegularFile(IMAGE_TAR)) {
      fail(
          "no container image at "
              + IMAGE_TAR
              + ": `./mvnw package` builds it (jib:buildTar) unless -Dwarbler.image.skip=true");
    }
    String uid =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Uid:"))
            .findFirst()
            .orElse("Uid: ?")
            .split("\\s+")[1];
    if (!uid.equals("0")) {
      fail(
          "ContainerImageIT runs the image with unshare, mount and a chroot, which need root (CI"
              + " runs as root); this JVM runs as uid "
              + uid);
    }
    for (String tool : List.of("unshare", "mount", "mknod", "tar")) {
      if (Stream.of("/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/")
          .noneMatch(d -> Files.isExecutable(Path.of(d + tool)))) {
        fail(tool + " (util-linux, coreutils, tar) is needed to run the image and was not found");
      }
    }
    dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "image-it-");
    Path tar = dir.resolve("tar");
    root = dir.resolve("root");
    Files.createDirectories(tar);
    Files.createDirectories(root);
    run(List.of("tar", "-xf", IMAGE_TAR.toString(), "-C", tar.toString()), Map.of());
    JsonNode manifest = JSON.readTree(tar.resolve("manifest.json").toFile()).get(0);
    assertThat(manifest.path("RepoTags").get(0).asText()).isEqualTo(Kustomize.jibImage());
    for (JsonNode layer : manifest.path("Layers")) {
      run(
          List.of(
              "tar",
              "--warning=no-unknown-keyword",
              "--numeric-owner",
              "-xpzf",
              tar.resolve(layer.asText()).toString(),
              "-C",
              root.toString()),
          Map.of());
    }
    config = JSON.readTree(tar.resolve(manifest.path("Config").asText()).toFile());
    // What a container runtime provides: mount points for /proc and /dev, the host's resolver.
    Files.createDirectories(root.resolve("proc"));
    Files.createDirectories(root.resolve("dev"));
    Files.createDirectories(root.resolve("etc"));
    for (String file : List.of("hosts", "resolv.conf")) {
      Path host = Path.of("/etc", file);
      if (Files.isRegularFile(host)) {
        Files.copy(host, root.resolve("etc").resolve(file));
      }
    }
    long bytes;
    try (Stream<Path> files = Files.walk(root)) {
      bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    System.out.printf(
        "image %s: tar %.1f MB, unpacked %.1f MB%n",
        Kustomize.jibImage(), Files.size(IMAGE_TAR) / 1e6, bytes / 1e6);
  }

  @AfterAll
  static void removeUnpacked() throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void theImageRunsServeAsANonRootUserOnTheServersPorts() {
    JsonNode c = config.path("config");
    assertThat(c.path("User").asText()).isEqualTo("10001:10001");
    assertThat(c.path("WorkingDir").asText()).isEqualTo("/var/lib/warbler");
    List<String> ports = new ArrayList<>();
    c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
    assertThat(ports)
        .containsExactlyInAnyOrder(
            Setting.HTTP_PORT.defaultValue() + "/tcp",
            Setting.GATEWAY_PORT.defaultValue() + "/tcp");
    assertThat(strings(c.path("Entrypoint")))
        .contains("dev.warbler.server.Main", "-XX:+ExitOnOutOfMemoryError");
    assertThat(strings(c.path("Cmd"))).containsExactly("serve");
    Map<String, String> env = environment();
    assertThat(env.get("JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=");
    assertThat(env.get(Setting.DATA_DIR.environmentVariable()))
        .startsWith(c.path("WorkingDir").asText() + "/");
    JsonNode labels = c.path("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("Warbler");
    assertThat(Kustomize.jibImage())
        .endsWith(":" + labels.path("org.opencontainers.image.version").asText());
  }

  @Test
  void javaRunsInTheImageAsItsUser() throws Exception {
    String java = strings(config.path("config").path("Entrypoint")).get(0);
    Result result = runInImage(List.of(java, "-version"), environment(), List.of(), true, 10001);
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("64-Bit Server VM");
  }

  @Test
  void serveRunsAsTheSingleNodeOverlayRunsItAndDrainsOnSigterm(@TempDir Path work)
      throws Exception {
    Rendered pod = Kustomize.render("single-node");
    JsonNode container = pod.container();
    JsonNode security = pod.podSpec().path("securityContext");
    int user = security.path("runAsUser").asInt();
    int fsGroup = security.path("fsGroup").asInt();

    // The container's environment as the kubelet would build it, secrets made up here.
    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("admin-key", randomBase64(32));
    secrets.put("master-key", randomBase64(32));
    secrets.put("audit-key", randomBase64(32));
    Map<String, String> env = environment();
    env.putAll(pod.literalEnvironment());
    for (JsonNode e : container.path("env")) {
      JsonNode ref = e.path("valueFrom").path("secretKeyRef");
      if (!ref.isMissingNode()) {
        env.put(e.path("name").asText(), secrets.get(ref.path("key").asText()));
      }
    }
    // The pod has a network namespace of its own; this one shares the host's loopback.
    int http = freePort();
    int ws = freePort();
    env.put(Setting.HTTP_PORT.environmentVariable(), Integer.toString(http));
    env.put(Setting.GATEWAY_PORT.environmentVariable(), Integer.toString(ws));
    env.put(Setting.HTTP_HOST.environmentVariable(), "127.0.0.1");
    env.put(Setting.GATEWAY_HOST.environmentVariable(), "127.0.0.1");

    // Its volumes: emptyDir and the claim as empty directories, the secret as files that the
    // kubelet makes readable by fsGroup (defaultMode | 0440), read-only.
    List<String> mounts = new ArrayList<>();
    for (JsonNode m : container.path("volumeMounts")) {
      JsonNode volume = pod.volumeOf(m);
      String target = m.path("mountPath").asText();
      Files.createDirectories(root.resolve(target.substring(1)));
      if (volume.has("secret")) {
        Path files = Files.createDirectories(work.resolve(volume.path("name").asText()));
        for (JsonNode item : volume.path("secret").path("items")) {
          Path file = files.resolve(item.path("path").asText());
          Files.writeString(file, secrets.get(item.path("key").asText()), StandardCharsets.UTF_8);
          Files.setAttribute(file, "unix:gid", fsGroup);
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
        }
        mounts.add(files + ":" + target + ":ro");
      } else {
        mounts.add("tmpfs:" + target);
      }
    }

    List<String> command = new ArrayList<>(strings(config.path("config").path("Entrypoint")));
    command.addAll(
        container.has("args")
            ? strings(container.path("args"))
            : strings(config.path("config").path("Cmd")));
    boolean readOnly = container.path("securityContext").path("readOnlyRootFilesystem").asBoolean();
    Path log = work.resolve("serve.log");
    Process process = startInImage(command, env, mounts, readOnly, user, log);
    try {
      HttpClient client = HttpClient.newHttpClient();
      await(
              "serve answers "
                  + container.path("readinessProbe").path("httpGet").path("path").asText()
                  + " (log: "
                  + log
                  + ")")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> {
            if (!process.isAlive()) {
              fail("serve exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            return status(client, http, "/readyz") == 200;
          });
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        String path = container.path(probe).path("httpGet").path("path").asText();
        assertThat(status(client, http, path)).as("%s GET %s", probe, path).isEqualTo(200);
      }
      String metrics =
          client
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics).contains(KustomizeRenderTest.CONNECTIONS_METRIC + "{node=\"");

      ProcessHandle java =
          process.toHandle().children().findFirst().orElseGet(() -> fail("no java in " + process));
      // The server runs as the pod's user, and made its data directory its own and private.
      assertThat(Files.readAllLines(Path.of("/proc", Long.toString(java.pid()), "status")))
          .anySatisfy(l -> assertThat(l).matches("Uid:\\s+" + user + "\\s+" + user + "\\s+.*"));
      Path data =
          Path.of("/proc", Long.toString(java.pid()), "root")
              .resolve(env.get(Setting.DATA_DIR.environmentVariable()).substring(1));
      assertThat(Files.getAttribute(data, "unix:uid")).isEqualTo(user);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
          .isEqualTo("rwx------");

      // SIGTERM, as Kubernetes sends after preStop: the node drains and exits by itself within
      // the pod's grace period (then Kubernetes would SIGKILL it).
      java.destroy();
      int grace = pod.podSpec().path("terminationGracePeriodSeconds").asInt();
      assertThat(process.waitFor(grace, TimeUnit.SECONDS))
          .as("serve exits within terminationGracePeriodSeconds (%d s) of SIGTERM", grace)
          .isTrue();
      assertThat(process.exitValue()).as(Files.readString(log)).isEqualTo(128 + 15);
      assertThat(Files.readString(log)).contains("gateway stopped");
      System.out.println("serve in the image, as the single-node overlay runs it:");
      System.out.println(Files.readString(log));
    } finally {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private record Result(int exitCode, String output) {}

  private static Result runInImage(
      List<String> command,
      Map<String, String> env,
      List<String> mounts,
      boolean readOnly,
      int user)
      throws Exception {
    Path log = Files.createTempFile("image-run", ".log");
    try {
      Process p = startInImage(command, env, mounts, readOnly, user, log);
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail(command + " in the image did not finish within 2 minutes: " + Files.readString(log));
      }
      return new Result(p.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static Process startInImage(
      List<String> command,
      Map<String, String> env,
      List<String> mounts,
      boolean readOnly,
      int user,
      Path log)
      throws IOException {
    List<String> argv =
        new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "sh", "-c"));
    argv.add(RUN_IN_IMAGE);
    argv.addAll(
        List.of(
            "run-in-image",
            root.toString(),
            Integer.toString(user),
            Integer.toString(user),
            config.path("config").path("WorkingDir").asText("/"),
            readOnly ? "ro" : "rw"));
    argv.addAll(command);
    ProcessBuilder pb =
        new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile());
    // The image's environment only (its PATH finds java inside it; the host tools the script
    // runs before entering it are in the same standard directories).
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().put("WARBLER_TEST_MOUNTS", String.join(" ", mounts));
    return pb.start();
  }

  private static Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : strings(config.path("config").path("Env"))) {
      int eq = entry.indexOf('=');
      env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }
    return env;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static void run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
      fail(command + " failed: " + out);
    }
  }

  private static int status(HttpClient client, int port, String path) {
    try {
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String randomBase64(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }
}
