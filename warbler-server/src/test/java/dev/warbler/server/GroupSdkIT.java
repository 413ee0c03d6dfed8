package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.CreateGroup;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupInfo;
import dev.warbler.protocol.v1.GroupRole;
import dev.warbler.protocol.v1.JoinPolicy;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.UpdateGroup;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.sdk.WarblerClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Groups through the Java SDK (protocol and REST) and the CLI, against a real node. */
class GroupSdkIT {
  private static final String KEY =
      "group-sdk-it-admin-key-0123456789-padded-to-be-strong-0123456789";
  private static final String APP = "default";
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  static WarblerServer node;
  static WarblerAdmin admin;
  private final List<WarblerClient> clients = new ArrayList<>();

  @BeforeAll
  static void start() {
    node =
        WarblerServer.start(
            Settings.defaults()
                .with(Setting.DATA_DIR, dir.resolve("data").toString())
                .with(Setting.GATEWAY_HOST, "127.0.0.1")
                .with(Setting.HTTP_HOST, "127.0.0.1")
                .with(Setting.GATEWAY_PORT, "0")
                .with(Setting.HTTP_PORT, "0")
                .with(Setting.AUTH_ADMIN_KEY, KEY));
    admin = WarblerAdmin.create(http(), KEY);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(WarblerClient::close);
  }

  private static URI http() {
    return URI.create("http://127.0.0.1:" + node.httpPort());
  }

  private static String newUser(String prefix) {
    String id = prefix + ids.incrementAndGet();
    admin.createUser(APP, id, "");
    return id;
  }

  private WarblerClient connect(String user, List<Message> seen) throws Exception {
    WarblerClient client =
        WarblerClient.builder()
            .server(http())
            .token(() -> admin.issueUserToken(APP, user, 600))
            .encoding(ids.get() % 2 == 0 ? Encoding.JSON : Encoding.PROTO)
            .listener(seen::add)
            .build();
    clients.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  private static <T> T get(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static WarblerClientException failure(CompletableFuture<?> future) {
    ExecutionException e =
        (ExecutionException) org.assertj.core.api.Assertions.catchThrowable(() -> get(future));
    assertThat(e).isNotNull();
    assertThat(e.getCause()).isInstanceOf(WarblerClientException.class);
    return (WarblerClientException) e.getCause();
  }

  private static List<String> events(List<Message> seen, String group) {
    return seen.stream()
        .filter(m -> m.getConversation().equals("g:" + group) && !m.getPayload().isEmpty())
        .map(m -> JSON.valueToTree(parse(m.getPayload())).path("event").asText())
        .toList();
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theSdkRunsAGroupOverTheProtocolAndTheBackendOverRest() throws Exception {
    String owner = newUser("owner");
    String bob = newUser("bob");
    String carol = newUser("carol");
    String g = "sdk" + ids.incrementAndGet();
    List<Message> ownerSees = new CopyOnWriteArrayList<>();
    List<Message> bobSees = new CopyOnWriteArrayList<>();
    WarblerClient o = connect(owner, ownerSees);
    WarblerClient b = connect(bob, bobSees);
    WarblerClient c = connect(carol, new CopyOnWriteArrayList<>());

    GroupInfo created =
        get(
            o.createGroup(
                g,
                CreateGroup.newBuilder()
                    .setName("Book club")
                    .addMembers(bob)
                    .setJoinPolicy(JoinPolicy.JOIN_POLICY_APPROVAL)
                    .build()));
    assertThat(created.getMyRole()).isEqualTo(GroupRole.GROUP_ROLE_OWNER);
    get(o.setGroupMemberRole(g, bob, GroupRole.GROUP_ROLE_ADMIN));
    assertThat(get(b.getGroup(g)).getMyRole()).isEqualTo(GroupRole.GROUP_ROLE_ADMIN);

    GroupAck requested = get(c.requestToJoinGroup(g, "may I?"));
    assertThat(requested.getSeq()).isZero();
    assertThat(admin.listJoinRequests(APP, g, "", 0).items())
        .extracting(WarblerAdmin.JoinRequest::message)
        .containsExactly("may I?");
    assertThat(admin.approveJoinRequest(APP, g, carol).users()).containsExactly(carol);

    get(b.muteGroupMember(g, carol, Instant.now().plusSeconds(600)));
    WarblerClientException muted = failure(c.sendToGroup(g, "hello?"));
    assertThat(muted.code()).isEqualTo(3003);
    assertThat(admin.unmuteMember(APP, g, carol).mutedUntil()).isEqualTo(Instant.EPOCH);
    get(c.sendToGroup(g, "hello!"));

    WarblerAdmin.Page<WarblerAdmin.GroupMember> first = admin.listGroupMembers(APP, g, "", 2);
    assertThat(first.items()).hasSize(2);
    assertThat(first.nextCursor()).isPresent();
    assertThat(admin.listGroupMembers(APP, g, first.nextCursor().get(), 2).items()).hasSize(1);
    assertThat(admin.getGroup(APP, g).memberCount()).isEqualTo(3);
    assertThat(admin.updateGroup(APP, g, Map.of("description", "Monthly")).description())
        .isEqualTo("Monthly");
    assertThat(admin.banUser(APP, g, carol).seq()).isPositive();
    assertThat(failure(c.sendToGroup(g, "still here?")).code()).isEqualTo(3001);
    assertThat(failure(o.kickFromGroup(g, List.of(owner))).code()).isEqualTo(3000);
    assertThat(failure(o.leaveGroup(g)).code()).isEqualTo(3000);
    assertThat(admin.transferOwnership(APP, g, bob).owner()).isEqualTo(bob);
    get(o.leaveGroup(g));
    get(b.updateGroup(g, UpdateGroup.newBuilder().setName("Bob's club").build()));
    assertThat(get(b.listGroupMembers(g, "", 0)).getMembersList()).hasSize(1);
    get(b.deleteGroup(g));

    await().atMost(WAIT).until(() -> events(bobSees, g).contains("group_deleted"));
    assertThat(events(bobSees, g))
        .containsSubsequence(
            "role_changed",
            "member_joined",
            "member_muted",
            "member_muted",
            "member_banned",
            "owner_changed",
            "member_left",
            "profile_updated",
            "group_deleted");
    assertThat(events(ownerSees, g)).endsWith("owner_changed", "member_left");
    assertThatThrownBy(() -> admin.getGroup(APP, g))
        .isInstanceOfSatisfying(
            WarblerClientException.class, e -> assertThat(e.code()).isEqualTo(4002));
  }

  // ---- the CLI -----------------------------------------------------------------------------

  record Run(int exit, String out, String err) {
    JsonNode json() {
      return parse(out);
    }
  }

  private static Run cli(String... args) throws IOException {
    Path key = dir.resolve("admin.key");
    if (!Files.exists(key)) {
      Files.writeString(key, KEY);
    }
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", http().toString(), "--admin-key-file", key.toString()));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run ok(String... args) throws IOException {
    Run r = cli(args);
    assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isZero();
    return r;
  }

  @Test
  void theCliRunsAGroupAsItsMembersAndWithTheAdminKey() throws Exception {
    String owner = newUser("owner");
    String ann = newUser("ann");
    String ben = newUser("ben");
    String g = "cli" + ids.incrementAndGet();
    ok("group", "create", g, "--owner", owner, "--members", ann, "--name", "Trip");

    JsonNode open =
        ok("group", "update", g, "--join-policy", "open", "--description", "Alps").json();
    assertThat(open.path("joinPolicy").asText()).isEqualTo("OPEN");
    assertThat(ok("group", "join", g, "--as", ben).json().path("users").toString())
        .isEqualTo("[\"" + ben + "\"]");
    assertThat(ok("group", "role", g, ann, "admin", "--as", owner).json().path("seq").asLong())
        .isPositive();
    JsonNode info = ok("group", "info", g, "--as", ann).json();
    assertThat(info.path("myRole").asText()).isEqualTo("admin");
    assertThat(info.path("memberCount").asInt()).isEqualTo(3);
    JsonNode mutedBen = ok("group", "mute", g, ben, "--for", "10m").json();
    assertThat(mutedBen.path("mutedUntil").asText()).endsWith("Z");
    Run refused = cli("send", "--as", ben, "--group", g, "hi");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: MUTED (3003): ");
    ok("group", "unmute", g, ben, "--as", ann);
    ok("send", "--as", ben, "--group", g, "hi");
    assertThat(ok("group", "members", g).out().lines().map(GroupSdkIT::parse).toList())
        .extracting(m -> m.path("user").asText() + ":" + m.path("role").asText())
        .containsExactlyInAnyOrder(owner + ":owner", ann + ":admin", ben + ":member");
    assertThat(ok("group", "mute-all", g, "on", "--as", owner).json().path("seq").asLong())
        .isPositive();

    Run leave = cli("group", "leave", g);
    assertThat(leave.exit()).isEqualTo(2);
    assertThat(leave.err()).contains("--as USER");
    Run ownerLeaves = cli("group", "leave", g, "--as", owner);
    assertThat(ownerLeaves.err()).startsWith("error: FORBIDDEN (3000): ");
    ok("group", "kick", g, ben, "--as", ann);
    ok("group", "ban", g, ben);
    assertThat(cli("group", "invite", g, ben).err()).startsWith("error: BANNED (3004): ");
    ok("group", "unban", g, ben);
    ok("group", "invite", g, ben);
    ok("group", "transfer", g, ann, "--as", owner);
    ok("group", "delete", g, "--as", ann);
    assertThat(cli("group", "info", g).err()).startsWith("error: GROUP_NOT_FOUND (4002): ");
  }
}
