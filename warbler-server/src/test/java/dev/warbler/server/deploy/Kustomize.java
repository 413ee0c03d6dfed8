package dev.warbler.server.deploy;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.warbler.server.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Renders {@code deploy/kubernetes/OVERLAY} with {@code kubectl kustomize} (offline) and reads the
 * result as the objects Kubernetes would get. Tests run in {@code warbler-server/}, so the
 * manifests are {@code ../deploy/kubernetes}.
 */
final class Kustomize {
  static final Path MANIFESTS = Path.of("..", "deploy", "kubernetes").toAbsolutePath().normalize();
  static final List<String> OVERLAYS = List.of("single-node", "cluster");

  /**
   * Settings the manifests may use before {@link Setting} has them (work in flight on another
   * branch), with the reason; none now. {@code KustomizeRenderTest} fails once {@link Setting} has
   * one, so that it leaves this list.
   */
  static final Map<String, String> PENDING_SETTINGS = Map.of();

  /** The image Jib builds ({@code warbler.image} of warbler-server's POM, passed by Maven). */
  static String jibImage() {
    String image = System.getProperty("warbler.image");
    if (image == null || image.isBlank()) {
      fail(
          "system property warbler.image is not set: run this test through Maven"
              + " (warbler-server's POM passes the image Jib builds)");
    }
    return image;
  }

  /** The kubectl to render with, or a failure that says how to get one. */
  static Path kubectl() {
    Optional<Path> found =
        Stream.concat(
                Stream.of(Path.of("/usr/bin/kubectl")),
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                    .filter(d -> !d.isBlank())
                    .map(d -> Path.of(d, "kubectl")))
            .filter(Files::isExecutable)
            .findFirst();
    if (found.isEmpty()) {
      fail(
          "kubectl is needed to render deploy/kubernetes with Kustomize and was not found in"
              + " /usr/bin or on PATH; install it (Debian: apt-get install -y kubectl) and run again");
    }
    return found.get();
  }

  /** {@code kubectl kustomize deploy/kubernetes/OVERLAY}, parsed. */
  static Rendered render(String overlay) {
    Path dir = MANIFESTS.resolve(overlay);
    if (!Files.isDirectory(dir)) {
      fail("no Kustomize directory " + dir);
    }
    try {
      Path out = Files.createTempFile("kustomize-" + overlay, ".yaml");
      Path err = Files.createTempFile("kustomize-" + overlay, ".err");
      try {
        Process p =
            new ProcessBuilder(kubectl().toString(), "kustomize", dir.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          fail("kubectl kustomize " + dir + " did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
          fail(
              "kubectl kustomize "
                  + dir
                  + " failed ("
                  + p.exitValue()
                  + "): "
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        return Rendered.parse(overlay, Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The objects of one rendered overlay. */
  record Rendered(String overlay, List<JsonNode> objects) {
    static Rendered parse(String overlay, String yaml) throws IOException {
      List<JsonNode> objects = new ArrayList<>();
      try (MappingIterator<JsonNode> it =
          new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
        while (it.hasNext()) {
          JsonNode doc = it.next();
          if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
            objects.add(doc);
          }
        }
      }
      return new Rendered(overlay, List.copyOf(objects));
    }

    List<JsonNode> all(String kind) {
      return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode one(String kind) {
      List<JsonNode> all = all(kind);
      if (all.size() != 1) {
        fail(overlay + " renders " + all.size() + " objects of kind " + kind + ", not one");
      }
      return all.get(0);
    }

    JsonNode named(String kind, String name) {
      return all(kind).stream()
          .filter(o -> name.equals(o.path("metadata").path("name").asText()))
          .findFirst()
          .orElseGet(() -> fail(overlay + " renders no " + kind + " named " + name));
    }

    JsonNode deployment() {
      return one("Deployment");
    }

    JsonNode podSpec() {
      return deployment().path("spec").path("template").path("spec");
    }

    JsonNode container() {
      JsonNode containers = podSpec().path("containers");
      if (containers.size() != 1) {
        fail(overlay + ": the pod has " + containers.size() + " containers, not one");
      }
      return containers.get(0);
    }

    /** The container's port number of a named port ("http", "ws"). */
    int containerPort(String name) {
      for (JsonNode port : container().path("ports")) {
        if (name.equals(port.path("name").asText())) {
          return port.path("containerPort").asInt();
        }
      }
      return fail(overlay + ": the container has no port named " + name);
    }

    /** Literal settings: the ConfigMaps the container takes whole, then its literal env. */
    Map<String, String> literalEnvironment() {
      Map<String, String> env = new LinkedHashMap<>();
      for (JsonNode from : container().path("envFrom")) {
        String name = from.path("configMapRef").path("name").asText();
        if (name.isEmpty()) {
          fail(overlay + ": envFrom other than a ConfigMap: " + from);
        }
        named("ConfigMap", name)
            .path("data")
            .properties()
            .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
      }
      for (JsonNode e : container().path("env")) {
        if (e.has("value")) {
          env.put(e.path("name").asText(), e.path("value").asText());
        }
      }
      return env;
    }

    /** Every environment variable name the container gets, literal or from a reference. */
    List<String> environmentNames() {
      List<String> names = new ArrayList<>(literalEnvironment().keySet());
      for (JsonNode e : container().path("env")) {
        String name = e.path("name").asText();
        if (!names.contains(name)) {
          names.add(name);
        }
      }
      return names;
    }

    /** The env entry named {@code name} (with its valueFrom), or a failure. */
    JsonNode envEntry(String name) {
      for (JsonNode e : container().path("env")) {
        if (name.equals(e.path("name").asText())) {
          return e;
        }
      }
      return fail(overlay + ": the container has no env entry " + name);
    }

    /** A Secret's entries, decoded. */
    Map<String, String> secretData(String name) {
      Map<String, String> data = new LinkedHashMap<>();
      named("Secret", name)
          .path("data")
          .properties()
          .forEach(e ->
              data.put(
                  e.getKey(),
                  new String(
                      Base64.getDecoder().decode(e.getValue().asText()), StandardCharsets.UTF_8)));
      return data;
    }

    /** The volume a mount of the container uses. */
    JsonNode volumeOf(JsonNode mount) {
      String name = mount.path("name").asText();
      for (JsonNode v : podSpec().path("volumes")) {
        if (name.equals(v.path("name").asText())) {
          return v;
        }
      }
      return fail(overlay + ": volume " + name + " is mounted but not defined");
    }

    /** The container's mount at exactly {@code path}, or a failure. */
    JsonNode mountAt(String path) {
      for (JsonNode m : container().path("volumeMounts")) {
        if (path.equals(m.path("mountPath").asText())) {
          return m;
        }
      }
      return fail(overlay + ": nothing is mounted at " + path);
    }
  }

  private Kustomize() {}
}
