package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Order and logistics notifications: templates over REST, rendering, and the CLI. */
class NotificationTemplatesTest {
  @TempDir static Path dir;
  static TestServer node;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir.resolve("data"));
    node.createUser("default", "shopper");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static TestServer.Reply notify(Map<String, Object> body) {
    return node.call("POST", "/v1/apps/default/messages", body);
  }

  @Test
  void aTemplatedNotificationCarriesRenderedTextAndItsStructure() {
    TestServer.Reply put =
        node.call(
            "PUT",
            "/v1/apps/default/templates/parcel_ready",
            Map.of("text", "Parcel {parcel} is ready at {locker}."));
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    assertThat(put.body().get("fields").toString()).isEqualTo("[\"parcel\",\"locker\"]");

    TestServer.Reply sent =
        notify(
            Map.of(
                "to",
                "shopper",
                "template",
                "parcel_ready",
                "fields",
                Map.of("parcel", "P-77", "locker", "Main St 4")));
    assertThat(sent.status()).as(sent.toString()).isEqualTo(201);
    assertThat(sent.body().get("conversation").asText()).isEqualTo("s:shopper");

    JsonNode m = lastMessage("s:shopper");
    assertThat(m.get("type").asText()).isEqualTo("SYSTEM");
    assertThat(m.get("text").asText()).isEqualTo("Parcel P-77 is ready at Main St 4.");
    assertThat(m.get("payload").get("template").asText()).isEqualTo("parcel_ready");
    assertThat(m.get("payload").get("fields").get("locker").asText()).isEqualTo("Main St 4");
  }

  @Test
  void builtInEcommerceTemplatesWorkWithoutSetupAndCanBeReplaced() {
    TestServer.Reply list = node.call("GET", "/v1/apps/default/templates", null);
    assertThat(list.body().get("items").findValuesAsText("id"))
        .contains("order_paid", "order_shipped", "delivery_update");
    notify(
        Map.of(
            "to",
            "shopper",
            "template",
            "delivery_update",
            "fields",
            Map.of("order", "1042", "status", "out for delivery")));
    assertThat(lastMessage("s:shopper").get("text").asText())
        .isEqualTo("Order 1042: out for delivery.");

    node.call(
        "PUT",
        "/v1/apps/default/templates/order_delivered",
        Map.of("text", "Bestellung {order} wurde zugestellt."));
    TestServer.Reply got = node.call("GET", "/v1/apps/default/templates/order_delivered", null);
    assertThat(got.body().get("builtIn").asBoolean()).isFalse();
    notify(Map.of("to", "shopper", "template", "order_delivered", "fields", Map.of("order", "9")));
    assertThat(lastMessage("s:shopper").get("text").asText())
        .isEqualTo("Bestellung 9 wurde zugestellt.");
  }

  @Test
  void badTemplateRequestsGetClearErrors() {
    TestServer.Reply missing =
        notify(
            Map.of("to", "shopper", "template", "order_shipped", "fields", Map.of("order", "1")));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body().get("title").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(missing.body().get("detail").asText()).contains("carrier");

    TestServer.Reply unknown =
        notify(Map.of("to", "shopper", "template", "no_such_template", "fields", Map.of()));
    assertThat(unknown.status()).isEqualTo(404);

    TestServer.Reply both =
        notify(Map.of("to", "shopper", "template", "order_paid", "text", "x", "fields", Map.of()));
    assertThat(both.status()).isEqualTo(400);

    TestServer.Reply empty =
        node.call("PUT", "/v1/apps/default/templates/blank", Map.of("text", " "));
    assertThat(empty.body().get("title").asText()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void theCliSendsANotificationAndShowsItAsTextInHistory() throws Exception {
    node.createUser("default", "buyer");
    Path key = dir.resolve("admin.key");
    Files.writeString(key, TestServer.ADMIN_KEY);
    StringWriter out = new StringWriter();
    int exit =
        cli(
            out,
            key,
            "notify",
            "--to",
            "buyer",
            "--template",
            "order_shipped",
            "--field",
            "order=1042",
            "--field",
            "carrier=DHL",
            "--field",
            "tracking=JD0001");
    assertThat(exit).as(out.toString()).isZero();
    assertThat(TestServer.JSON.readTree(out.toString()).get("conversation").asText())
        .isEqualTo("s:buyer");

    StringWriter history = new StringWriter();
    assertThat(cli(history, key, "history", "--as", "buyer", "--conversation", "s:buyer")).isZero();
    JsonNode line = TestServer.JSON.readTree(history.toString().lines().toList().getLast());
    assertThat(line.get("type").asText()).isEqualTo("system");
    assertThat(line.get("text").asText())
        .isEqualTo("Order 1042 has shipped with DHL. Tracking number: JD0001.");
  }

  private static int cli(StringWriter out, Path key, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--server",
            "http://127.0.0.1:" + node.server.httpPort(),
            "--admin-key-file",
            key.toString()));
    return cli.execute(all.toArray(String[]::new));
  }

  private static JsonNode lastMessage(String conversation) {
    JsonNode page =
        node.call(
                "GET", "/v1/apps/default/conversations/" + conversation + "/messages?limit=1", null)
            .body();
    return page.get("messages").get(0);
  }
}
