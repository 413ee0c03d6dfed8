package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.testkit.RawClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity lifecycle end to end (ADR 0014), replaying the outside probe of issue 9 over REST
 * and real WebSockets: a user who talked, was notified, set up its conversations, was banned and
 * had its tokens revoked is deleted; its id is then retired for good. Creating it again is refused
 * (also after a restart), its tokens (issued or minted by the backend) are refused with
 * USER_ID_RETIRED and close 4103, and no API shows anything of the account any more, while the
 * other users keep their history.
 */
class IdentityLifecycleTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String APP = "probe";

  @TempDir Path dir;
  TestServer node;
  String secret;
  final List<RawClient> clients = new ArrayList<>();
  final AtomicInteger ids = new AtomicInteger();

  @BeforeEach
  void start() {
    node = TestServer.start(dir);
    secret = node.call("POST", "/v1/apps", Map.of("id", APP)).body().get("secret").asText();
    for (String u : List.of("alice", "zed", "bob")) {
      node.createUser(APP, u);
    }
  }

  @AfterEach
  void stop() {
    clients.forEach(RawClient::close);
    node.close();
  }

  private String id() {
    return "r" + ids.incrementAndGet();
  }

  private TestServer.Reply call(String method, String path, Object body) {
    return node.call(method, "/v1/apps/" + APP + path, body);
  }

  private ServerFrame auth(RawClient c, String token) {
    return c.request(
        ClientFrame.newBuilder().setId(id()).setAuth(Auth.newBuilder().setToken(token)).build());
  }

  private RawClient login(String token) {
    RawClient c = RawClient.connect(node.ws(), Encoding.JSON);
    clients.add(c);
    ServerFrame ok = auth(c, token);
    assertThat(ok.hasAuthOk()).as("%s", ok).isTrue();
    return c;
  }

  private long send(RawClient c, Send.Builder send) {
    ServerFrame ack =
        c.request(ClientFrame.newBuilder().setId(id()).setSend(send.setClientMsgId(id())).build());
    assertThat(ack.hasSendAck()).as("%s", ack).isTrue();
    return ack.getSendAck().getSeq();
  }

  private static void problem(TestServer.Reply r, int status, String name) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.body().get("title").asText()).as(r.toString()).isEqualTo(name);
  }

  /** The token is refused at auth with USER_ID_RETIRED (4092) and the close 4103. */
  private void refusedAsDeleted(String token) {
    RawClient c = RawClient.connect(node.ws(), Encoding.PROTO);
    clients.add(c);
    ServerFrame answer = auth(c, token);
    assertThat(answer.getError().getName()).as("%s", answer).isEqualTo("USER_ID_RETIRED");
    assertThat(answer.getError().getCode()).isEqualTo(4092);
    assertThat(c.awaitClose(WAIT)).isEqualTo(4103);
    assertThat(c.closeReason()).contains("was deleted");
  }

  private String mintedByTheBackend(String user) throws Exception {
    long now = System.currentTimeMillis();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader(JWSAlgorithm.HS256),
            new JWTClaimsSet.Builder()
                .subject(user)
                .claim("app", APP)
                .issueTime(new Date(now))
                .expirationTime(new Date(now + 600_000))
                .build());
    jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static List<String> texts(JsonNode page) {
    return StreamSupport.stream(page.get("messages").spliterator(), false)
        .map(m -> m.get("from").asText() + ": " + m.get("text").asText())
        .toList();
  }

  @Test
  void aDeletedUsersIdIsRetiredAndNothingOfTheAccountReachesAnyoneAgain() throws Exception {
    // zed talks both ways, gets a password reset code, joins a group, makes friends and settings.
    RawClient zed = login(node.token(APP, "zed"));
    RawClient alice = login(node.token(APP, "alice"));
    send(zed, Send.newBuilder().setUser("alice").setText("hi alice"));
    long reply = send(alice, Send.newBuilder().setUser("zed").setText("hi zed"));
    assertThat(
            zed.request(
                    ClientFrame.newBuilder()
                        .setId(id())
                        .setReact(
                            React.newBuilder()
                                .setConversation("d:alice:zed")
                                .setSeq(reply)
                                .setEmoji("👍"))
                        .build())
                .hasSendAck())
        .isTrue();
    TestServer.Reply code =
        call("POST", "/messages", Map.of("to", "zed", "text", "your reset code is 424242"));
    assertThat(code.status()).as(code.toString()).isEqualTo(201);
    assertThat(
            call(
                    "POST",
                    "/groups",
                    Map.of("id", "club", "owner", "alice", "members", List.of("zed", "bob")))
                .status())
        .isEqualTo(201);
    send(zed, Send.newBuilder().setGroup("club").setText("zed in the club"));
    assertThat(call("POST", "/users/zed/friends", Map.of("user", "alice")).status()).isEqualTo(200);
    assertThat(call("POST", "/users/zed/blocks", Map.of("user", "bob")).status()).isEqualTo(200);
    Map<String, Object> settings = new HashMap<>();
    settings.put("pinned", true);
    settings.put("custom", Map.of("draft", "secret draft"));
    assertThat(call("PATCH", "/users/zed/conversations/d:alice:zed", settings).status())
        .isEqualTo(200);
    assertThat(call("PATCH", "/users/zed/conversations/s:zed", Map.of("archived", true)).status())
        .isEqualTo(200);
    // Its tokens are revoked, a token T is issued after that, then it is banned.
    assertThat(call("POST", "/users/zed/tokens/revoke", null).status()).isEqualTo(200);
    assertThat(zed.awaitClose(WAIT)).isEqualTo(4106);
    String t = node.token(APP, "zed");
    assertThat(call("PUT", "/users/zed/ban", Map.of("reason", "probe")).status()).isEqualTo(200);

    assertThat(call("DELETE", "/users/zed", null).status()).isEqualTo(204);

    // The id is retired: creating it again is refused, as is any credential for it.
    problem(call("POST", "/users", Map.of("id", "zed")), 409, "USER_ID_RETIRED");
    TestServer.Reply again = call("POST", "/users", Map.of("id", "zed", "name", "New Zed"));
    problem(again, 409, "USER_ID_RETIRED");
    assertThat(again.body().get("code").asInt()).isEqualTo(4092);
    assertThat(again.body().get("detail").asText()).contains("zed", "deleted");
    assertThat(again.body().has("retryable")).isFalse();
    refusedAsDeleted(t);
    refusedAsDeleted(mintedByTheBackend("zed"));
    problem(call("POST", "/users/zed/tokens", Map.of()), 409, "USER_ID_RETIRED");

    // Nothing of the account is shown any more.
    problem(call("GET", "/users/zed", null), 404, "USER_NOT_FOUND");
    assertThat(call("GET", "/users", null).body().get("items"))
        .extracting(u -> u.get("id").asText())
        .containsExactly("alice", "bob");
    problem(call("GET", "/users/zed/conversations", null), 404, "USER_NOT_FOUND");
    problem(call("GET", "/users/zed/conversations/d:alice:zed", null), 404, "USER_NOT_FOUND");
    problem(call("GET", "/users/zed/friends", null), 404, "USER_NOT_FOUND");
    problem(call("GET", "/users/zed/blocks", null), 404, "USER_NOT_FOUND");
    problem(call("GET", "/users/zed/access", null), 404, "USER_NOT_FOUND");
    assertThat(call("GET", "/users/alice/friends", null).body().get("items")).isEmpty();
    JsonNode presence = call("GET", "/presence?users=zed", null).body().get("items").get(0);
    assertThat(presence.get("online").asBoolean()).isFalse();
    assertThat(presence.get("lastSeen").asLong()).isZero();
    assertThat(call("GET", "/groups/club/members", null).body().get("items"))
        .extracting(m -> m.get("user").asText())
        .containsExactly("alice", "bob");
    problem(
        call("POST", "/messages", Map.of("to", "zed", "text", "anyone?")), 404, "USER_NOT_FOUND");
    ServerFrame toZed =
        alice.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setSend(Send.newBuilder().setClientMsgId(id()).setUser("zed").setText("?"))
                .build());
    assertThat(toZed.getError().getName()).isEqualTo("USER_NOT_FOUND");

    // The others keep their history, shown with the sender's id.
    assertThat(texts(call("GET", "/conversations/d:alice:zed/messages", null).body()))
        .contains("zed: hi alice", "alice: hi zed");
    assertThat(texts(call("GET", "/conversations/g:club/messages?limit=100", null).body()))
        .contains("zed: zed in the club");
    ServerFrame sync =
        alice.request(
            ClientFrame.newBuilder().setId(id()).setSync(Sync.newBuilder().setCursor(0)).build());
    assertThat(sync.getSyncResult().getConversationsList())
        .extracting(s -> s.getConversation())
        .contains("d:alice:zed", "g:club");

    // Retirement is stored: it holds after a restart.
    node.close();
    node = TestServer.start(dir);
    problem(call("POST", "/users", Map.of("id", "zed")), 409, "USER_ID_RETIRED");
    refusedAsDeleted(t);
  }
}
