package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.History;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group bans and history reads are audited by the core, so REST and the WebSocket protocol leave
 * the same trail: one entry per distinct user banned or unbanned, durable before the answer, with
 * each transport's actor (the app's secret, the user's token) and the client's address.
 */
class GroupBanAuditTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  static TestServer node;
  static String secret;

  @BeforeAll
  static void start() {
    node = TestServer.start(dir);
    secret = node.call("POST", "/v1/apps", Map.of("id", "shop")).body().get("secret").asText();
    for (String user : List.of("alice", "bob", "carol", "mallory", "trent")) {
      node.createUser("shop", user);
    }
    node.call(
        "POST",
        "/v1/apps/shop/groups",
        Map.of("id", "team", "owner", "alice", "members", List.of("bob", "carol")),
        secret);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** The entries of {@code action} by {@code actor}, as "target@ip", oldest first. */
  private static List<String> entries(String action, String actor) {
    TestServer.Reply r =
        node.call("GET", "/v1/audit?limit=1000&action=" + action + "&actor=" + actor, null);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return StreamSupport.stream(r.body().get("items").spliterator(), false)
        .peek(e -> assertThat(e.get("app").asText()).isEqualTo("shop"))
        .peek(e -> assertThat(e.get("outcome").asText()).isEqualTo("ok"))
        .map(e -> e.get("target").asText() + "@" + e.get("ip").asText())
        .toList();
  }

  private static RawClient connect(String user) {
    RawClient c = RawClient.connect(node.ws(), Encoding.JSON);
    ServerFrame ok =
        c.request(
            ClientFrame.newBuilder()
                .setId("auth")
                .setAuth(Auth.newBuilder().setToken(node.token("shop", user)))
                .build());
    assertThat(ok.hasAuthOk()).as("%s", ok).isTrue();
    return c;
  }

  private static ServerFrame group(RawClient c, String id, GroupCommand.Builder command) {
    return c.request(
        ClientFrame.newBuilder().setId(id).setGroupCommand(command.setGroup("team")).build());
  }

  @Test
  void aBanOverEitherTransportIsOneEntryPerDistinctUserDurableBeforeTheAnswer() {
    assertThat(node.call("PUT", "/v1/apps/shop/groups/team/bans/mallory", null, secret).status())
        .isEqualTo(200);
    // The REST answer came after the entry was durable: no wait.
    assertThat(entries("group.ban", "app:shop")).containsExactly("team/mallory@127.0.0.1");

    try (RawClient alice = connect("alice")) {
      ServerFrame banned =
          group(
              alice,
              "b1",
              GroupCommand.newBuilder()
                  .setBan(
                      GroupUsers.newBuilder().addUsers("bob").addUsers("trent").addUsers("bob")));
      assertThat(banned.getGroupAck().getUsersList()).as("%s", banned).contains("bob", "trent");
      // So did the protocol's group_ack.
      assertThat(entries("group.ban", "user:alice"))
          .containsExactly("team/bob@127.0.0.1", "team/trent@127.0.0.1");

      ServerFrame unbanned =
          group(
              alice,
              "u1",
              GroupCommand.newBuilder()
                  .setUnban(GroupUsers.newBuilder().addUsers("trent").addUsers("trent")));
      assertThat(unbanned.hasGroupAck()).as("%s", unbanned).isTrue();
      assertThat(entries("group.unban", "user:alice")).containsExactly("team/trent@127.0.0.1");

      // A refused ban (carol is a plain member) leaves no entry.
      try (RawClient carol = connect("carol")) {
        ServerFrame refused =
            group(
                carol,
                "b2",
                GroupCommand.newBuilder().setBan(GroupUsers.newBuilder().addUsers("alice")));
        assertThat(refused.hasError()).as("%s", refused).isTrue();
      }
      assertThat(entries("group.ban", "user:carol")).isEmpty();
    }

    assertThat(node.call("DELETE", "/v1/apps/shop/groups/team/bans/mallory", null, secret).status())
        .isEqualTo(200);
    assertThat(entries("group.unban", "app:shop")).containsExactly("team/mallory@127.0.0.1");
  }

  @Test
  void aHistoryReadWithServerCredentialsIsAuditedAndAMembersOwnReadIsNot() {
    // The member's read first: anything it queued for the log is written before the REST read's.
    try (RawClient alice = connect("alice")) {
      ServerFrame page =
          alice.request(
              ClientFrame.newBuilder()
                  .setId("h")
                  .setHistory(History.newBuilder().setConversation("g:team").setLimit(5))
                  .build());
      assertThat(page.hasMessages()).as("%s", page).isTrue();
    }
    assertThat(
            node.call("GET", "/v1/apps/shop/conversations/g:team/messages?limit=5", null).status())
        .isEqualTo(200);

    await().atMost(WAIT).until(() -> !entries("history.read", "admin").isEmpty());
    TestServer.Reply r = node.call("GET", "/v1/audit?action=history.read&actor=admin", null);
    JsonNode read = r.body().get("items").get(0);
    assertThat(read.get("target").asText()).isEqualTo("g:team");
    assertThat(read.get("ip").asText()).isEqualTo("127.0.0.1");
    assertThat(read.get("detail").asText()).startsWith("before=0 limit=5 returned=");
    assertThat(entries("history.read", "user:alice")).isEmpty();
  }
}
