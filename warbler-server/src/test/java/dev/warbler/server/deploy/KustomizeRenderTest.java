package dev.warbler.server.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.gateway.Gateway;
import dev.warbler.server.Setting;
import dev.warbler.server.Settings;
import dev.warbler.server.WarblerServer;
import dev.warbler.server.deploy.Kustomize.Rendered;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Kubernetes manifests ({@code deploy/kubernetes}) rendered with {@code kubectl kustomize} and
 * checked against the server they deploy: its image, its settings, its endpoints, its metric.
 */
class KustomizeRenderTest {
  /** The user the image runs as (warbler-server's POM, {@code container.user}). */
  static final int IMAGE_USER = 10001;

  /** The gauge of open WebSocket connections the cluster's autoscaler scales on. */
  static final String CONNECTIONS_METRIC = "warbler_gateway_connections";

  static final String ADMIN_KEY = "deploy-test-admin-key-0123456789-abcdefghij";

  private static Rendered singleNode;
  private static Rendered cluster;

  @BeforeAll
  static void render() {
    singleNode = Kustomize.render("single-node");
    cluster = Kustomize.render("cluster");
  }

  static List<String> overlays() {
    return Kustomize.OVERLAYS;
  }

  private static Rendered rendered(String overlay) {
    return overlay.equals("cluster") ? cluster : singleNode;
  }

  private static Set<String> settingVariables() {
    return Arrays.stream(Setting.values())
        .map(Setting::environmentVariable)
        .collect(Collectors.toSet());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void eachOverlayRendersOneServerDeploymentWithItsServiceConfigAndSecret(String overlay) {
    Rendered r = rendered(overlay);
    assertThat(r.all("Deployment")).hasSize(1);
    assertThat(r.all("Service")).hasSize(1);
    assertThat(r.all("ConfigMap")).hasSize(1);
    assertThat(r.all("Secret")).hasSize(1);
    assertThat(r.all("NetworkPolicy")).hasSize(1);
    assertThat(r.one("ServiceAccount").path("automountServiceAccountToken").asBoolean(true))
        .isFalse();
    assertThat(r.podSpec().path("automountServiceAccountToken").asBoolean(true)).isFalse();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theContainerRunsTheImageJibBuilds(String overlay) {
    assertThat(rendered(overlay).container().path("image").asText())
        .isEqualTo(Kustomize.jibImage());
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void everyEnvironmentVariableIsASettingOrOneThatOtherWorkAdds(String overlay) {
    Set<String> real = settingVariables();
    for (String name : rendered(overlay).environmentNames()) {
      assertThat(real.contains(name) || Kustomize.PENDING_SETTINGS.containsKey(name))
          .as(
              "%s sets %s, which is no Setting's environmentVariable() (see `warbler config"
                  + " defaults`)",
              overlay, name)
          .isTrue();
    }
  }

  @Test
  void aPendingSettingLeavesTheListOnceSettingHasIt() {
    Set<String> real = settingVariables();
    for (Map.Entry<String, String> pending : Kustomize.PENDING_SETTINGS.entrySet()) {
      assertThat(real)
          .as(
              "Setting now has %s (%s): remove it from Kustomize.PENDING_SETTINGS so the"
                  + " manifests are checked against it like every other setting",
              pending.getKey(), pending.getValue())
          .doesNotContain(pending.getKey());
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theContainerPortsAreTheConfiguredPortsAndTheServiceTargetsThem(String overlay) {
    Rendered r = rendered(overlay);
    Map<String, String> env = r.literalEnvironment();
    assertThat(r.containerPort("http"))
        .isEqualTo(
            Integer.parseInt(
                env.getOrDefault(
                    Setting.HTTP_PORT.environmentVariable(), Setting.HTTP_PORT.defaultValue())));
    assertThat(r.containerPort("ws"))
        .isEqualTo(
            Integer.parseInt(
                env.getOrDefault(
                    Setting.GATEWAY_PORT.environmentVariable(),
                    Setting.GATEWAY_PORT.defaultValue())));
    List<String> targets = new ArrayList<>();
    r.one("Service")
        .path("spec")
        .path("ports")
        .forEach(p -> targets.add(p.path("targetPort").asText()));
    assertThat(targets).containsExactlyInAnyOrder("http", "ws");
    JsonNode pod = r.deployment().path("spec").path("template");
    assertThat(r.one("Service").path("spec").path("selector").properties())
        .allSatisfy(e ->
            assertThat(pod.path("metadata").path("labels").path(e.getKey()).asText())
                .isEqualTo(e.getValue().asText()));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void probesAndTheScrapeAskEndpointsTheServerAnswers(String overlay, @TempDir Path dir)
      throws Exception {
    Rendered r = rendered(overlay);
    JsonNode c = r.container();
    assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
    assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
    assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      assertThat(c.path(probe).path("httpGet").path("port").asText()).as(probe).isEqualTo("http");
      assertThat(c.path(probe).path("httpGet").path("scheme").asText("HTTP")).isEqualTo("HTTP");
    }
    JsonNode annotations =
        r.deployment().path("spec").path("template").path("metadata").path("annotations");
    assertThat(annotations.path("prometheus.io/scrape").asText()).isEqualTo("true");
    assertThat(annotations.path("prometheus.io/port").asInt()).isEqualTo(r.containerPort("http"));

    try (WarblerServer server = startServer(dir)) {
      HttpClient http = HttpClient.newHttpClient();
      List<String> paths =
          List.of(
              c.path("startupProbe").path("httpGet").path("path").asText(),
              c.path("livenessProbe").path("httpGet").path("path").asText(),
              c.path("readinessProbe").path("httpGet").path("path").asText(),
              annotations.path("prometheus.io/path").asText());
      for (String path : paths) {
        HttpResponse<String> reply = get(http, server, path);
        assertThat(reply.statusCode()).as("GET %s", path).isEqualTo(200);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void thePodRunsAsTheImagesUserWithoutPrivilegesOnAReadOnlyRoot(String overlay) {
    Rendered r = rendered(overlay);
    JsonNode pod = r.podSpec().path("securityContext");
    assertThat(pod.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.path("runAsUser").asInt()).isEqualTo(IMAGE_USER);
    assertThat(pod.path("runAsGroup").asInt()).isEqualTo(IMAGE_USER);
    assertThat(pod.path("fsGroup").asInt()).isEqualTo(IMAGE_USER);
    assertThat(pod.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    JsonNode c = r.container().path("securityContext");
    assertThat(c.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(c.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(c.path("runAsNonRoot").asBoolean()).isTrue();
    List<String> dropped = new ArrayList<>();
    c.path("capabilities").path("drop").forEach(d -> dropped.add(d.asText()));
    assertThat(dropped).containsExactly("ALL");
    assertThat(c.path("capabilities").path("add").isMissingNode()).isTrue();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void whatTheServerWritesIsOnVolumesBecauseTheRootIsReadOnly(String overlay) {
    Rendered r = rendered(overlay);
    Path dataDir = Path.of(r.literalEnvironment().get(Setting.DATA_DIR.environmentVariable()));
    // The server creates data.dir itself (0700) inside the mounted volume.
    JsonNode data = r.mountAt(dataDir.getParent().toString());
    assertThat(data.path("readOnly").asBoolean(false)).isFalse();
    JsonNode tmp = r.mountAt("/tmp");
    assertThat(r.volumeOf(tmp).has("emptyDir")).isTrue();
    JsonNode secrets = r.volumeOf(r.mountAt("/etc/warbler/secrets"));
    assertThat(secrets.path("secret").path("defaultMode").asInt()).isEqualTo(0400);
    String auditKeyFile = r.literalEnvironment().get(Setting.AUDIT_KEY_FILE.environmentVariable());
    assertThat(auditKeyFile).startsWith("/etc/warbler/secrets/");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void resourcesAreRequestedAndLimited(String overlay) {
    JsonNode resources = rendered(overlay).container().path("resources");
    for (String part : List.of("requests", "limits")) {
      assertThat(resources.path(part).path("cpu").asText()).as(part).isNotEmpty();
      assertThat(resources.path(part).path("memory").asText()).as(part).isNotEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void kubernetesWaitsForTheDrainBeforeItKills(String overlay) {
    Rendered r = rendered(overlay);
    int grace = r.podSpec().path("terminationGracePeriodSeconds").asInt();
    int preStop =
        r.container().path("lifecycle").path("preStop").path("sleep").path("seconds").asInt();
    int deadline =
        Integer.parseInt(r.literalEnvironment().get("WARBLER_SHUTDOWN_DEADLINE_SECONDS"));
    assertThat(deadline).isGreaterThan((int) Gateway.CLOSE_TIMEOUT.toSeconds());
    // The store's last flush and the JVM's exit come after the drain.
    assertThat(grace).isGreaterThanOrEqualTo(preStop + deadline + 5);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theNetworkPolicyLetsClientsInOnTheServersPortsOnly(String overlay) {
    Rendered r = rendered(overlay);
    JsonNode policy = r.one("NetworkPolicy").path("spec");
    List<String> types = new ArrayList<>();
    policy.path("policyTypes").forEach(t -> types.add(t.asText()));
    assertThat(types).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(ports(policy.path("ingress")))
        .containsExactlyInAnyOrder(r.containerPort("http"), r.containerPort("ws"));
    JsonNode labels = r.deployment().path("spec").path("template").path("metadata").path("labels");
    assertThat(policy.path("podSelector").path("matchLabels").properties())
        .isNotEmpty()
        .allSatisfy(
            e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
  }

  @Test
  void theClusterRunsThreeOrMoreNodesOnPostgresAndNats() {
    Map<String, String> env = cluster.literalEnvironment();
    assertThat(env.get(Setting.STORE_KIND.environmentVariable())).isEqualTo("postgres");
    assertThat(env.get(Setting.BUS_KIND.environmentVariable())).isEqualTo("nats");
    assertThat(env.get(Setting.BUS_NATS_SERVERS.environmentVariable())).startsWith("nats://");
    assertThat(env.get("WARBLER_STORE_POSTGRES_URL")).startsWith("jdbc:postgresql://");
    assertThat(cluster.deployment().path("spec").path("replicas").asInt())
        .isGreaterThanOrEqualTo(3);
    JsonNode rolling = cluster.deployment().path("spec").path("strategy");
    assertThat(rolling.path("type").asText()).isEqualTo("RollingUpdate");
    assertThat(rolling.path("rollingUpdate").path("maxUnavailable").asInt()).isZero();
    // Each node's bus id is its pod's name, unique and stable for the pod's life.
    assertThat(
            cluster
                .envEntry(Setting.BUS_NODE_ID.environmentVariable())
                .path("valueFrom")
                .path("fieldRef")
                .path("fieldPath")
                .asText())
        .isEqualTo("metadata.name");
    JsonNode password =
        cluster.envEntry("WARBLER_STORE_POSTGRES_PASSWORD").path("valueFrom").path("secretKeyRef");
    assertThat(cluster.secretData(password.path("name").asText()))
        .containsKey(password.path("key").asText());
  }

  @Test
  void theClusterKeepsTwoNodesUpThroughVoluntaryDisruptions() {
    JsonNode pdb = cluster.one("PodDisruptionBudget").path("spec");
    int replicas = cluster.deployment().path("spec").path("replicas").asInt();
    assertThat(pdb.path("minAvailable").asInt()).isGreaterThanOrEqualTo(2).isLessThan(replicas);
    JsonNode labels =
        cluster.deployment().path("spec").path("template").path("metadata").path("labels");
    assertThat(pdb.path("selector").path("matchLabels").properties())
        .isNotEmpty()
        .allSatisfy(
            e -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
  }

  @Test
  void theClusterScalesOnTheConnectionsGaugeTheServerExports(@TempDir Path dir) throws Exception {
    JsonNode hpa = cluster.one("HorizontalPodAutoscaler").path("spec");
    assertThat(hpa.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
    assertThat(hpa.path("scaleTargetRef").path("name").asText())
        .isEqualTo(cluster.deployment().path("metadata").path("name").asText());
    assertThat(hpa.path("minReplicas").asInt()).isGreaterThanOrEqualTo(3);
    assertThat(hpa.path("maxReplicas").asInt()).isGreaterThan(hpa.path("minReplicas").asInt());
    List<String> podMetrics = new ArrayList<>();
    for (JsonNode m : hpa.path("metrics")) {
      if (m.path("type").asText().equals("Pods")) {
        podMetrics.add(m.path("pods").path("metric").path("name").asText());
      }
    }
    assertThat(podMetrics).containsExactly(CONNECTIONS_METRIC);

    try (WarblerServer server = startServer(dir)) {
      String metrics = get(HttpClient.newHttpClient(), server, "/metrics").body();
      assertThat(metrics.lines())
          .as("/metrics exports the gauge %s", CONNECTIONS_METRIC)
          .anyMatch(l -> l.startsWith(CONNECTIONS_METRIC + "{node=\""))
          .anyMatch(l -> l.equals("# TYPE " + CONNECTIONS_METRIC + " gauge"));
    }
  }

  @Test
  void theClusterReachesPostgresAndNatsAndDnsOnly() {
    JsonNode egress = cluster.one("NetworkPolicy").path("spec").path("egress");
    assertThat(ports(egress)).containsExactlyInAnyOrder(53, 53, 5432, 4222);
  }

  @Test
  void theSingleNodeIsOneSqliteWriterOnAPersistentVolume() {
    Map<String, String> env = singleNode.literalEnvironment();
    assertThat(env.get(Setting.STORE_KIND.environmentVariable())).isEqualTo("sqlite");
    assertThat(env.get(Setting.BUS_KIND.environmentVariable())).isEqualTo("local");
    JsonNode spec = singleNode.deployment().path("spec");
    assertThat(spec.path("replicas").asInt()).isEqualTo(1);
    // Recreate: the old pod has stopped before the new one opens the database.
    assertThat(spec.path("strategy").path("type").asText()).isEqualTo("Recreate");
    assertThat(singleNode.all("HorizontalPodAutoscaler")).isEmpty();
    Path dataDir = Path.of(env.get(Setting.DATA_DIR.environmentVariable()));
    JsonNode volume = singleNode.volumeOf(singleNode.mountAt(dataDir.getParent().toString()));
    String claim = volume.path("persistentVolumeClaim").path("claimName").asText();
    assertThat(claim).isNotEmpty();
    JsonNode pvc = singleNode.named("PersistentVolumeClaim", claim);
    List<String> modes = new ArrayList<>();
    pvc.path("spec").path("accessModes").forEach(m -> modes.add(m.asText()));
    assertThat(modes).containsExactly("ReadWriteOnce");
    assertThat(ports(singleNode.one("NetworkPolicy").path("spec").path("egress")))
        .containsExactlyInAnyOrder(53, 53);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theSecretsArePlaceholdersANodeRefusesToStartWith(String overlay, @TempDir Path dir)
      throws IOException {
    Rendered r = rendered(overlay);
    JsonNode adminRef =
        r.envEntry(Setting.AUTH_ADMIN_KEY.environmentVariable())
            .path("valueFrom")
            .path("secretKeyRef");
    JsonNode masterRef =
        r.envEntry(Setting.SECURITY_MASTER_KEY.environmentVariable())
            .path("valueFrom")
            .path("secretKeyRef");
    Map<String, String> secrets = r.secretData(adminRef.path("name").asText());
    assertThat(secrets.values())
        .isNotEmpty()
        .allSatisfy(v -> assertThat(v).isEqualTo("REPLACE_ME"));
    String adminKey = secrets.get(adminRef.path("key").asText());
    String masterKey = secrets.get(masterRef.path("key").asText());
    String auditKey = secrets.get("audit-key");
    assertThat(List.of(adminKey, masterKey, auditKey)).doesNotContainNull();

    Settings base = serverSettings(dir.resolve("data"));
    assertThatThrownBy(
            () -> WarblerServer.start(base.with(Setting.AUTH_ADMIN_KEY, adminKey)).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("admin");
    assertThatThrownBy(
            () -> WarblerServer.start(base.with(Setting.SECURITY_MASTER_KEY, masterKey)).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("security.master-key");
    Path auditFile = dir.resolve("audit-key");
    Files.writeString(auditFile, auditKey, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(auditFile, PosixFilePermissions.fromString("r--r-----"));
    assertThatThrownBy(() ->
            WarblerServer.start(base.with(Setting.AUDIT_KEY_FILE, auditFile.toString())).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("audit.key-file");
  }

  private static List<Integer> ports(JsonNode rules) {
    List<Integer> ports = new ArrayList<>();
    for (JsonNode rule : rules) {
      for (JsonNode p : rule.path("ports")) {
        ports.add(p.path("port").asInt());
      }
    }
    return ports;
  }

  private static Settings serverSettings(Path data) {
    return Settings.defaults()
        .with(Setting.DATA_DIR, data.toString())
        .with(Setting.GATEWAY_HOST, "127.0.0.1")
        .with(Setting.HTTP_HOST, "127.0.0.1")
        .with(Setting.GATEWAY_PORT, "0")
        .with(Setting.HTTP_PORT, "0")
        .with(Setting.AUTH_ADMIN_KEY, ADMIN_KEY);
  }

  private static WarblerServer startServer(Path dir) {
    return WarblerServer.start(serverSettings(dir.resolve("data")));
  }

  private static HttpResponse<String> get(HttpClient http, WarblerServer server, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
