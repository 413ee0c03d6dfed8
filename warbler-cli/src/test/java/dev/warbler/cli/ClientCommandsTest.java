package dev.warbler.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands as the {@code warbler} root runs them, against a real HTTP server on port 0 that
 * answers the admin REST calls. WebSocket commands are covered end to end in warbler-server.
 */
class ClientCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private HttpServer http;
  private String server;
  private final Map<String, JsonNode> bodies = new ConcurrentHashMap<>();

  @CommandLine.Command(name = "warbler")
  static final class Root implements Runnable {
    @Override
    public void run() {}
  }

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", this::handle);
    http.start();
    server = "http://127.0.0.1:" + http.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    byte[] body = exchange.getRequestBody().readAllBytes();
    if (body.length > 0) {
      bodies.put(path, JSON.readTree(body));
    }
    if (!"Bearer k".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      reply(
          exchange,
          401,
          "{\"title\":\"UNAUTHENTICATED\",\"status\":401,\"detail\":\"bad key\",\"code\":2000}");
      return;
    }
    switch (path) {
      case "/v1/apps/default/users" -> {
        if (bodies.get(path).path("id").asText().equals("alice")) {
          reply(exchange, 201, "{\"id\":\"alice\",\"name\":\"Alice\",\"createdAt\":1767268800000}");
        } else {
          reply(
              exchange,
              409,
              "{\"title\":\"ALREADY_EXISTS\",\"status\":409,\"detail\":\"user 'bob' already exists\",\"code\":4090,\"retryable\":false}");
        }
      }
      case "/v1/apps/default/groups/team" ->
          reply(
              exchange,
              200,
              "{\"id\":\"team\",\"name\":\"Team\",\"avatarUrl\":\"\",\"description\":\"\","
                  + "\"custom\":{\"room\":\"B12\"},\"owner\":\"alice\",\"memberCount\":3,"
                  + "\"muteAll\":false,\"joinPolicy\":\"OPEN\",\"invitePolicy\":\"ADMINS\","
                  + "\"createdAt\":1767268800000,\"conversation\":\"g:team\"}");
      case "/v1/apps/default/groups" ->
          reply(
              exchange,
              201,
              "{\"id\":\"team\",\"name\":\"team\",\"owner\":\"alice\",\"members\":[\"alice\",\"bob\",\"carol\"],"
                  + "\"conversation\":\"g:team\",\"createdAt\":1767268800000}");
      default ->
          reply(
              exchange,
              404,
              "{\"title\":\"NOT_FOUND\",\"status\":404,\"detail\":\"no route\",\"code\":4000}");
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange
        .getResponseHeaders()
        .add("Content-Type", status >= 400 ? "application/problem+json" : "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private Run run(Map<String, String> variables, String... args) {
    Environment env =
        new Environment(variables, dir, new ByteArrayInputStream(new byte[0]), ZoneOffset.UTC);
    CommandLine cli = new CommandLine(new Root());
    ClientCommands.clientCommands(env).forEach(cli::addSubcommand);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Run run(String... args) {
    return run(Map.of("WARBLER_ADMIN_KEY", "k", "WARBLER_SERVER", server), args);
  }

  @Test
  void userCreatePrintsTheUserAsOneJsonLine() {
    Run r = run("user", "create", "alice", "--name", "Alice");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "{\"id\":\"alice\",\"name\":\"Alice\",\"createdAt\":\"2026-01-01T12:00:00Z\"}"
                + System.lineSeparator());
    assertThat(bodies.get("/v1/apps/default/users").toString())
        .isEqualTo("{\"id\":\"alice\",\"name\":\"Alice\"}");
  }

  @Test
  void aServerErrorIsOneLineOnStderrAndExitCodeOne() {
    Run r = run("user", "create", "bob");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip())
        .isEqualTo("error: ALREADY_EXISTS (4090): user 'bob' already exists");
  }

  @Test
  void groupCreateSendsOwnerAndMembers() throws IOException {
    Run r = run("group", "create", "team", "--owner", "alice", "--members", "bob,carol");

    assertThat(r.exit()).isZero();
    assertThat(JSON.readTree(r.out()).path("conversation").asText()).isEqualTo("g:team");
    assertThat(bodies.get("/v1/apps/default/groups").path("members").toString())
        .isEqualTo("[\"alice\",\"bob\",\"carol\"]");
  }

  @Test
  void groupInfoWithTheAdminKeyPrintsTheGroupAsOneJsonLine() {
    Run r = run("group", "info", "team");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "{\"id\":\"team\",\"name\":\"Team\",\"custom\":{\"room\":\"B12\"},"
                + "\"owner\":\"alice\",\"memberCount\":3,\"muteAll\":false,"
                + "\"joinPolicy\":\"OPEN\",\"invitePolicy\":\"ADMINS\","
                + "\"conversation\":\"g:team\",\"createdAt\":\"2026-01-01T12:00:00Z\"}"
                + System.lineSeparator());
  }

  @Test
  void groupCommandsThatActAsAUserNeedAs() {
    Run leave = run("group", "leave", "team");
    Run join = run("group", "join", "team");

    assertThat(leave.exit()).isEqualTo(2);
    assertThat(leave.err()).contains("leave acts as a user: give --as USER");
    assertThat(join.exit()).isEqualTo(2);
  }

  @Test
  void groupMuteNeedsExactlyOneOfForAndUntilInAReadableForm() {
    assertThat(run("group", "mute", "team", "bob").exit()).isEqualTo(2);
    assertThat(
            run("group", "mute", "team", "bob", "--for", "10m", "--until", "2030-01-01T00:00:00Z")
                .exit())
        .isEqualTo(2);
    Run bad = run("group", "mute", "team", "bob", "--for", "ten minutes");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--for must look like 30s, 10m, 2h or 7d");
  }

  @Test
  void groupRoleAndMuteAllCheckTheirWordsAndUpdateNeedsAField() {
    assertThat(run("group", "mute-all", "team", "maybe").err()).contains("expected on or off");
    assertThat(run("group", "update", "team").err()).contains("give at least one of --name");
    assertThat(run("group", "update", "team", "--join-policy", "sometimes").err())
        .contains("unknown policy 'sometimes'");
  }

  @Test
  void theServerAndKeyOptionsOverrideTheEnvironment() throws IOException {
    java.nio.file.Files.writeString(dir.resolve("key"), "k");

    Run r =
        run(
            Map.of("WARBLER_ADMIN_KEY", "wrong", "WARBLER_SERVER", "http://127.0.0.1:1"),
            "user",
            "create",
            "alice",
            "--server",
            server,
            "--admin-key-file",
            "key");

    assertThat(r.exit()).isZero();
  }

  @Test
  void withoutAnAdminKeyTheCommandSaysWhereToPutOne() {
    Run r = run(Map.of("WARBLER_SERVER", server), "user", "create", "alice");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: no admin key").contains("WARBLER_ADMIN_KEY");
  }

  @Test
  void sendWithoutATargetIsAUsageError() {
    Run r = run("send", "--as", "alice", "hello");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--to").contains("--group");
  }

  @Test
  void sendWithTwoTargetsIsAUsageError() {
    assertThat(run("send", "--as", "alice", "--to", "bob", "--group", "team", "hi").exit())
        .isEqualTo(2);
  }

  @Test
  void listenWithACountBelowOneIsAUsageError() {
    Run r = run("listen", "--as", "bob", "--count", "0");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--count must be at least 1 but was 0");
  }

  @Test
  void anUnreachableServerIsReportedWithItsAddress() {
    Run r =
        run(
            Map.of("WARBLER_ADMIN_KEY", "k", "WARBLER_SERVER", "http://127.0.0.1:1"),
            "send",
            "--as",
            "alice",
            "--to",
            "bob",
            "hi");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: cannot reach http://127.0.0.1:1/");
  }

  @Test
  void anUnknownUserFailsBeforeAnyWebSocketWork() {
    Run r = run("history", "--as", "nobody", "--with", "alice");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("error: NOT_FOUND (4000): no route");
  }
}
