package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.FriendRequestEvent;
import dev.warbler.protocol.v1.FriendRequestStatus;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.UpdateConversation;
import dev.warbler.sdk.Backoff;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.sdk.WarblerClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chatrooms, contacts and conversation settings through the Java SDK and the CLI, against a real
 * node on free ports.
 */
class RoomsContactsSdkIT {
  /** The admin key {@link SdkIT#start} configures. */
  private static final String KEY = "sdk-it-admin-key-0123456789-padded-to-be-strong-0123456789";

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
    node = SdkIT.start(dir.resolve("shared"), 0, 0);
    admin = WarblerAdmin.create(SdkIT.http(node), KEY);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(WarblerClient::close);
  }

  private static String newUser(WarblerAdmin admin, String prefix) {
    String id = prefix + ids.incrementAndGet();
    admin.createUser(APP, id, "");
    return id;
  }

  private static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  /** Records what a listener sees. */
  static final class Recorder implements MessageListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<ChatroomMessage> roomMessages = new CopyOnWriteArrayList<>();
    final List<ChatroomLeft> roomsLeft = new CopyOnWriteArrayList<>();
    final List<FriendRequestEvent> friendEvents = new CopyOnWriteArrayList<>();
    final List<Integer> disconnects = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onChatroomMessage(ChatroomMessage message) {
      roomMessages.add(message);
    }

    @Override
    public void onChatroomLeft(ChatroomLeft left) {
      roomsLeft.add(left);
    }

    @Override
    public void onFriendRequest(FriendRequestEvent event) {
      friendEvents.add(event);
    }

    @Override
    public void onDisconnected(int closeCode, String reason) {
      disconnects.add(closeCode);
    }

    List<String> roomTexts() {
      return roomMessages.stream().map(m -> m.getMessage().getText()).toList();
    }
  }

  private WarblerClient connect(WarblerServer server, WarblerAdmin admin, String user, Recorder r)
      throws Exception {
    WarblerClient client =
        WarblerClient.builder()
            .server(SdkIT.http(server))
            .token(() -> admin.issueUserToken(APP, user, 600))
            .app(APP)
            .listener(r)
            .backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)))
            .build();
    clients.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  // ---- SDK ---------------------------------------------------------------------------------

  @Test
  void aJoinedClientGetsRecentMessagesThenLiveOnesAndNothingAfterLeaving() throws Exception {
    String room = "class" + ids.incrementAndGet();
    admin.createChatroom(APP, room, "Class", 0);
    String teacher = newUser(admin, "teacher");
    admin.sendChatroomMessage(APP, room, teacher, "before you came");
    Recorder studentSees = new Recorder();
    WarblerClient student = connect(node, admin, newUser(admin, "student"), studentSees);

    ChatroomJoined joined = student.joinChatroom(room, 10).get(10, TimeUnit.SECONDS);
    admin.sendChatroomMessage(APP, room, teacher, "welcome");
    student.sendToChatroom(room, "thanks").get(10, TimeUnit.SECONDS);

    assertThat(joined.getRecentList())
        .extracting(Message::getText)
        .containsExactly("before you came");
    await().atMost(WAIT).until(() -> studentSees.roomMessages.size() == 2);
    assertThat(studentSees.roomTexts()).containsExactly("welcome", "thanks");
    assertThat(studentSees.messages).isEmpty();

    student.leaveChatroom(room).get(10, TimeUnit.SECONDS);
    admin.sendChatroomMessage(APP, room, teacher, "after you left");
    admin.deleteChatroom(APP, room);
    assertThatThrownBy(() -> student.sendToChatroom(room, "hello?").get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class, e -> assertThat(e.name()).isEqualTo("NOT_FOUND"));
    assertThat(studentSees.roomTexts()).containsExactly("welcome", "thanks");
  }

  @Test
  void aClientJoinsItsChatroomsAgainAfterTheServerRestartsAndHearsTheNewEpoch() throws Exception {
    Path data = dir.resolve("restart");
    WarblerServer first = SdkIT.start(data, 0, 0);
    int httpPort = first.httpPort();
    int wsPort = first.webSocketPort();
    WarblerAdmin firstAdmin = WarblerAdmin.create(SdkIT.http(first), KEY);
    firstAdmin.createUser(APP, "viewer", "");
    firstAdmin.createChatroom(APP, "stage", "Stage", 0);
    Recorder sees = new Recorder();
    WarblerClient viewer;
    long firstEpoch;
    try {
      viewer = connect(first, firstAdmin, "viewer", sees);
      viewer.joinChatroom("stage", 0).get(10, TimeUnit.SECONDS);
      firstAdmin.sendChatroomMessage(APP, "stage", "", "act one");
      await().atMost(WAIT).until(() -> sees.roomMessages.size() == 1);
      firstEpoch = sees.roomMessages.getFirst().getEpoch();
    } finally {
      first.close();
    }
    await().atMost(WAIT).until(() -> !sees.disconnects.isEmpty());

    WarblerServer second = SdkIT.start(data, httpPort, wsPort);
    try {
      WarblerAdmin secondAdmin = WarblerAdmin.create(SdkIT.http(second), KEY);
      // Rooms are joined again while connecting, so once connected the viewer is in the room.
      await().atMost(WAIT).until(() -> viewer.state() == WarblerClient.State.CONNECTED);
      secondAdmin.sendChatroomMessage(APP, "stage", "", "act two");

      await().atMost(WAIT).until(() -> sees.roomMessages.size() == 2);
      ChatroomMessage second2 = sees.roomMessages.get(1);
      assertThat(second2.getMessage().getText()).isEqualTo("act two");
      assertThat(second2.getMessage().getSeq()).isEqualTo(1);
      assertThat(second2.getEpoch()).isGreaterThan(firstEpoch);
    } finally {
      clients.forEach(WarblerClient::close);
      second.close();
    }
  }

  @Test
  void friendRequestsReachTheTargetAndABlockedUsersMessagesFailWithBlocked() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    Recorder aliceSees = new Recorder();
    Recorder bobSees = new Recorder();
    WarblerClient a = connect(node, admin, alice, aliceSees);
    WarblerClient b = connect(node, admin, bob, bobSees);

    assertThat(a.sendFriendRequest(bob, "hi!").get(10, TimeUnit.SECONDS).getRequestSent()).isTrue();
    await().atMost(WAIT).until(() -> !bobSees.friendEvents.isEmpty());
    assertThat(bobSees.friendEvents.getFirst().getRequest().getMessage()).isEqualTo("hi!");
    assertThat(b.listFriendRequests(false, "", 0).get(10, TimeUnit.SECONDS).getRequestsCount())
        .isEqualTo(1);
    assertThat(b.respondFriendRequest(alice, true).get(10, TimeUnit.SECONDS).getFriend()).isTrue();
    await()
        .atMost(WAIT)
        .until(() ->
            aliceSees.friendEvents.stream()
                .anyMatch(e -> e.getStatus() == FriendRequestStatus.FRIEND_REQUEST_ACCEPTED));
    assertThat(a.listFriends("", 0).get(10, TimeUnit.SECONDS).getFriends(0).getUser())
        .isEqualTo(bob);

    b.block(alice).get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> a.sendText(bob, "still there?").get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class, e -> assertThat(e.code()).isEqualTo(3002));
    assertThat(b.listBlocked("", 0).get(10, TimeUnit.SECONDS).getUsersCount()).isEqualTo(1);
    b.unblock(alice).get(10, TimeUnit.SECONDS);
    assertThat(a.sendText(bob, "there you are").get(10, TimeUnit.SECONDS).getSeq()).isEqualTo(1);
  }

  @Test
  void settingsChangedOnOneDeviceShowInTheOtherDevicesConversationList() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    admin.sendMessage(APP, bob, Send.newBuilder().setUser(alice).setText("ping").build());
    WarblerClient phone = connect(node, admin, alice, new Recorder());
    String conversation = direct(alice, bob);

    ConversationState updated =
        phone
            .updateConversation(
                UpdateConversation.newBuilder()
                    .setConversation(conversation)
                    .setPinned(true)
                    .setMuted(true)
                    .build())
            .get(10, TimeUnit.SECONDS);
    WarblerClient laptop = connect(node, admin, alice, new Recorder());
    List<ConversationState> list = laptop.conversations().get(10, TimeUnit.SECONDS);

    assertThat(updated.getPinned()).isTrue();
    assertThat(list)
        .singleElement()
        .satisfies(s -> {
          assertThat(s.getConversation()).isEqualTo(conversation);
          assertThat(s.getPinned()).isTrue();
          assertThat(s.getMuted()).isTrue();
          assertThat(s.getUnread()).isEqualTo(1);
          assertThat(s.getLastMessage().getText()).isEqualTo("ping");
        });
  }

  // ---- CLI ---------------------------------------------------------------------------------

  record Run(int exit, String out, String err) {}

  private static Run cli(String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = cli(out, err, args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static int cli(StringWriter out, StringWriter err, String... args) throws IOException {
    Path key = dir.resolve("admin.key");
    if (!Files.exists(key)) {
      Files.writeString(key, KEY);
    }
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of("--server", SdkIT.http(node).toString(), "--admin-key-file", key.toString()));
    return cli.execute(all.toArray(String[]::new));
  }

  private static JsonNode json(Run r) throws IOException {
    assertThat(r.exit()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void theCliCreatesARoomPrintsRecentAndLiveMessagesAndSendsToIt() throws Exception {
    String room = "cli-room" + ids.incrementAndGet();
    String host = newUser(admin, "host");
    String guest = newUser(admin, "guest");
    assertThat(
            json(cli("room", "create", room, "--name", "Live Q&A")).path("conversation").asText())
        .isEqualTo("r:" + room);
    assertThat(cli("room", "send", "--as", host, room, "first", "question").exit()).isZero();
    StringWriter joinOut = new StringWriter();
    StringWriter joinErr = new StringWriter();
    ExecutorService background = Executors.newSingleThreadExecutor();
    Future<Integer> joined =
        background.submit(() ->
            cli(
                joinOut,
                joinErr,
                "room",
                "join",
                "--as",
                guest,
                room,
                "--count",
                "2",
                "--timeout",
                "20"));
    await().atMost(WAIT).until(() -> joinErr.toString().contains("in chatroom " + room));

    Run sent = cli("room", "send", "--as", host, room, "second", "question");

    assertThat(json(sent).path("seq").asLong()).isEqualTo(2);
    assertThat(joined.get(30, TimeUnit.SECONDS)).as(joinErr.toString()).isZero();
    background.shutdown();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : joinOut.toString().lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines)
        .extracting(l -> l.path("text").asText())
        .containsExactly("first question", "second question");
    assertThat(lines).extracting(l -> l.path("room").asText()).containsOnly(room);
    assertThat(lines.get(1).path("seq").asLong()).isEqualTo(2);
  }

  @Test
  void theCliManagesFriendsBlocksAndTheConversationList() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    String carol = newUser(admin, "carol");
    admin.sendMessage(APP, bob, Send.newBuilder().setUser(alice).setText("from bob").build());
    admin.sendMessage(APP, carol, Send.newBuilder().setUser(alice).setText("from carol").build());

    assertThat(
            json(cli("friend", "add", "--as", alice, bob, "--message", "hey"))
                .path("requestSent")
                .asBoolean())
        .isTrue();
    assertThat(json(cli("friend", "list", "--as", bob, "--requests")).path("from").asText())
        .isEqualTo(alice);
    assertThat(json(cli("friend", "accept", "--as", bob, alice)).path("friend").asBoolean())
        .isTrue();
    assertThat(json(cli("friend", "list", "--as", alice)).path("user").asText()).isEqualTo(bob);
    cli("friend", "add", "--as", carol, alice);
    assertThat(json(cli("friend", "decline", "--as", alice, carol)).path("friend").asBoolean())
        .isFalse();

    assertThat(json(cli("block", "--as", alice, carol)).path("blocked").asBoolean()).isTrue();
    Run refused = cli("send", "--as", carol, "--to", alice, "let me explain");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: BLOCKED (3002): ");
    assertThat(json(cli("unblock", "--as", alice, carol)).path("blocked").asBoolean()).isFalse();

    assertThat(json(cli("pin", "--as", alice, "--with", carol)).path("pinned").asBoolean())
        .isTrue();
    assertThat(json(cli("mute", "--as", alice, "--with", bob)).path("muted").asBoolean()).isTrue();
    assertThat(json(cli("archive", "--as", alice, "--with", bob)).path("archived").asBoolean())
        .isTrue();
    Run list = cli("conversations", "--as", alice);
    assertThat(list.exit()).as(list.err()).isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : list.out().lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines)
        .extracting(l -> l.path("conversation").asText())
        .containsExactly(direct(alice, carol), direct(alice, bob));
    assertThat(lines.get(0).path("pinned").asBoolean()).isTrue();
    assertThat(lines.get(0).path("unread").asLong()).isEqualTo(1);
    assertThat(lines.get(0).path("lastMessage").path("text").asText()).isEqualTo("from carol");
    assertThat(lines.get(1).path("muted").asBoolean()).isTrue();
    assertThat(lines.get(1).path("archived").asBoolean()).isTrue();
    assertThat(json(cli("pin", "--as", alice, "--with", carol, "--off")).path("pinned").asBoolean())
        .isFalse();
  }
}
