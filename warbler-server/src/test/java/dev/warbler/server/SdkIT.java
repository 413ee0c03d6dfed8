package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.cli.ClientCommands;
import dev.warbler.cli.Environment;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.sdk.Backoff;
import dev.warbler.sdk.MessageChanges;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.SendOption;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.sdk.WarblerClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
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
import picocli.CommandLine;

/**
 * The Java SDK (and the CLI built on it) against a real node on free ports: discovery, both
 * encodings, live delivery, catch-up after the server restarts, idempotent send, errors.
 */
class SdkIT {
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
    node = start(dir.resolve("shared"), 0, 0);
    admin = WarblerAdmin.create(http(node), KEY);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(WarblerClient::close);
  }

  static WarblerServer start(Path data, int httpPort, int webSocketPort) {
    return WarblerServer.start(
        Settings.defaults()
            .with(Setting.DATA_DIR, data.toString())
            .with(Setting.GATEWAY_HOST, "127.0.0.1")
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.GATEWAY_PORT, String.valueOf(webSocketPort))
            .with(Setting.HTTP_PORT, String.valueOf(httpPort))
            .with(Setting.AUTH_ADMIN_KEY, KEY));
  }

  static URI http(WarblerServer server) {
    return URI.create("http://127.0.0.1:" + server.httpPort());
  }

  /** A user no other test uses. */
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
    final List<Integer> disconnects = new CopyOnWriteArrayList<>();
    final List<String> deletedForMe = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onDisconnected(int closeCode, String reason) {
      disconnects.add(closeCode);
    }

    @Override
    public void onDeletedForMe(String conversation, long seq) {
      deletedForMe.add(conversation + "#" + seq);
    }

    List<String> texts(String conversation) {
      return messages.stream()
          .filter(m -> m.getConversation().equals(conversation))
          .map(Message::getText)
          .toList();
    }

    List<Long> seqs(String conversation) {
      return messages.stream()
          .filter(m -> m.getConversation().equals(conversation))
          .map(Message::getSeq)
          .toList();
    }
  }

  private WarblerClient.Builder builder(WarblerServer server, WarblerAdmin admin, String user) {
    return WarblerClient.builder()
        .server(http(server))
        .token(() -> admin.issueUserToken(APP, user, 600))
        .app(APP)
        .backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)));
  }

  private WarblerClient connect(WarblerClient.Builder builder) throws Exception {
    WarblerClient client = builder.build();
    clients.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  @Test
  void aMessageReachesTheRecipientAndTheSenderOnceOverBothEncodings() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    Recorder aliceSees = new Recorder();
    Recorder bobSees = new Recorder();
    WarblerClient aliceClient =
        connect(builder(node, admin, alice).encoding(Encoding.JSON).listener(aliceSees));
    connect(builder(node, admin, bob).encoding(Encoding.PROTO).listener(bobSees));

    SendAck ack = aliceClient.sendText(bob, "hello bob").get(10, TimeUnit.SECONDS);

    String conversation = direct(alice, bob);
    assertThat(ack.getConversation()).isEqualTo(conversation);
    assertThat(ack.getSeq()).isEqualTo(1);
    await()
        .atMost(WAIT)
        .until(() -> bobSees.messages.size() == 1 && aliceSees.messages.size() == 1);
    Message received = bobSees.messages.getFirst();
    assertThat(received.getText()).isEqualTo("hello bob");
    assertThat(received.getFrom()).isEqualTo(alice);
    assertThat(received.getClientMsgId()).isEqualTo(ack.getClientMsgId());
    assertThat(aliceSees.seqs(conversation)).containsExactly(1L);
  }

  @Test
  void aGroupMessageReachesEveryMemberInOrder() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    String carol = newUser(admin, "carol");
    String group = "team" + ids.incrementAndGet();
    admin.createGroup(APP, group, "Team", alice, List.of(alice, bob, carol));
    Recorder bobSees = new Recorder();
    Recorder carolSees = new Recorder();
    WarblerClient aliceClient = connect(builder(node, admin, alice));
    connect(builder(node, admin, bob).listener(bobSees));
    connect(builder(node, admin, carol).encoding(Encoding.JSON).listener(carolSees));

    for (int i = 1; i <= 5; i++) {
      aliceClient.sendToGroup(group, "m" + i).get(10, TimeUnit.SECONDS);
    }

    await()
        .atMost(WAIT)
        .until(() -> bobSees.messages.size() == 5 && carolSees.messages.size() == 5);
    assertThat(bobSees.texts("g:" + group)).containsExactly("m1", "m2", "m3", "m4", "m5");
    // Seq 1 is the group_created event, stored before the clients connected.
    assertThat(carolSees.seqs("g:" + group)).containsExactly(2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void sendingAgainWithTheSameClientMsgIdReturnsTheOriginalMessage() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    WarblerClient client = connect(builder(node, admin, alice));
    Send send = Send.newBuilder().setUser(bob).setText("once").setClientMsgId("c-" + alice).build();

    SendAck first = client.send(send).get(10, TimeUnit.SECONDS);
    SendAck again = client.send(send).get(10, TimeUnit.SECONDS);

    assertThat(first.getDuplicate()).isFalse();
    assertThat(again.getDuplicate()).isTrue();
    assertThat(again.getSeq()).isEqualTo(first.getSeq());
    assertThat(again.getMessageId()).isEqualTo(first.getMessageId());
    assertThat(
            client.history(direct(alice, bob), 0, 10).get(10, TimeUnit.SECONDS).getMessagesCount())
        .isEqualTo(1);
  }

  @Test
  void theServersErrorsSurfaceWithTheirCatalogCodes() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    String group = "closed" + ids.incrementAndGet();
    admin.createGroup(APP, group, "", bob, List.of(bob));
    WarblerClient client = connect(builder(node, admin, alice));

    assertThatThrownBy(() -> client.sendText("nobody-" + alice, "hi").get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class, e -> assertThat(e.code()).isEqualTo(4001));
    assertThatThrownBy(() -> client.history("g:" + group, 0, 10).get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class,
            e -> {
              assertThat(e.code()).isEqualTo(3001);
              assertThat(e.name()).isEqualTo("NOT_MEMBER");
            });
    assertThat(client.state()).isEqualTo(WarblerClient.State.CONNECTED);
  }

  @Test
  void aForgedTokenFailsTheConnectWithTokenInvalid() {
    WarblerClient client =
        WarblerClient.builder().server(http(node)).token("eyJhbGciOiJIUzI1NiJ9.e30.bad").build();
    clients.add(client);

    assertThatThrownBy(() -> client.connect().get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(
            WarblerClientException.class, e -> assertThat(e.code()).isEqualTo(2001));
    assertThat(client.state()).isEqualTo(WarblerClient.State.STOPPED);
  }

  @Test
  void withoutStartingFromNowTheFirstConnectDeliversEveryStoredMessage() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    for (int i = 1; i <= 5; i++) {
      admin.sendMessage(APP, alice, Send.newBuilder().setUser(bob).setText("stored " + i).build());
    }
    admin.sendMessage(
        APP,
        "",
        Send.newBuilder().setUser(bob).setType(MessageType.SYSTEM).setText("notice").build());
    Recorder bobSees = new Recorder();

    connect(builder(node, admin, bob).listener(bobSees).startFromNow(false).pullPageSize(2));

    assertThat(bobSees.texts(direct(alice, bob)))
        .containsExactly("stored 1", "stored 2", "stored 3", "stored 4", "stored 5");
    assertThat(bobSees.texts("s:" + bob)).containsExactly("notice");
  }

  @Test
  void startingFromNowDeliversOnlyWhatIsSentAfterTheConnect() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    admin.sendMessage(APP, alice, Send.newBuilder().setUser(bob).setText("old").build());
    Recorder bobSees = new Recorder();
    connect(builder(node, admin, bob).listener(bobSees));

    admin.sendMessage(APP, alice, Send.newBuilder().setUser(bob).setText("new").build());

    await().atMost(WAIT).until(() -> !bobSees.messages.isEmpty());
    assertThat(bobSees.texts(direct(alice, bob))).containsExactly("new");
  }

  @Test
  void historyPullSyncAndMarkReadAnswerFromTheStore() throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    String conversation = direct(alice, bob);
    for (int i = 1; i <= 4; i++) {
      admin.sendMessage(APP, alice, Send.newBuilder().setUser(bob).setText("h" + i).build());
    }
    WarblerClient client = connect(builder(node, admin, bob));

    var history = client.history(conversation, 0, 2).get(10, TimeUnit.SECONDS);
    var pulled = client.pull(conversation, 1, 10).get(10, TimeUnit.SECONDS);
    var read = client.markRead(conversation, 3).get(10, TimeUnit.SECONDS);
    var sync = client.sync(0, 10).get(10, TimeUnit.SECONDS);

    assertThat(history.getMessagesList()).extracting(Message::getText).containsExactly("h3", "h4");
    assertThat(history.getMore()).isTrue();
    assertThat(pulled.getMessagesList()).extracting(Message::getSeq).containsExactly(2L, 3L, 4L);
    assertThat(read.getReadSeq()).isEqualTo(3);
    assertThat(read.getUnread()).isEqualTo(1);
    assertThat(sync.getConversationsList())
        .anySatisfy(c -> {
          assertThat(c.getConversation()).isEqualTo(conversation);
          assertThat(c.getLastSeq()).isEqualTo(4);
        });
  }

  @Test
  void aClientCatchesUpWithoutDuplicatesAfterTheServerRestarts() throws Exception {
    Path data = dir.resolve("restart");
    WarblerServer first = start(data, 0, 0);
    int httpPort = first.httpPort();
    int wsPort = first.webSocketPort();
    WarblerAdmin firstAdmin = WarblerAdmin.create(http(first), KEY);
    firstAdmin.createUser(APP, "alice", "");
    firstAdmin.createUser(APP, "bob", "");
    Recorder bobSees = new Recorder();
    WarblerClient bob;
    try {
      bob = connect(builder(first, firstAdmin, "bob").listener(bobSees));
      firstAdmin.sendMessage(
          APP, "alice", Send.newBuilder().setUser("bob").setText("before").build());
      await().atMost(WAIT).until(() -> bobSees.messages.size() == 1);
    } finally {
      first.close();
    }
    await().atMost(WAIT).until(() -> !bobSees.disconnects.isEmpty());

    WarblerServer second = start(data, httpPort, wsPort);
    try {
      WarblerAdmin secondAdmin = WarblerAdmin.create(http(second), KEY);
      secondAdmin.sendMessage(
          APP, "alice", Send.newBuilder().setUser("bob").setText("after 1").build());
      secondAdmin.sendMessage(
          APP, "alice", Send.newBuilder().setUser("bob").setText("after 2").build());

      await().atMost(WAIT).until(() -> bobSees.messages.size() >= 3);
      assertThat(bobSees.texts("d:alice:bob")).containsExactly("before", "after 1", "after 2");
      assertThat(bob.state()).isEqualTo(WarblerClient.State.CONNECTED);
    } finally {
      clients.forEach(WarblerClient::close);
      second.close();
    }
  }

  @Test
  void theSdkRecallsEditsReactsForwardsAndDeletesForMeAndTheListenerSeesEachChangeInOrder()
      throws Exception {
    String alice = newUser(admin, "alice");
    String bob = newUser(admin, "bob");
    String carol = newUser(admin, "carol");
    Recorder bobSees = new Recorder();
    Recorder carolSees = new Recorder();
    WarblerClient aliceClient = connect(builder(node, admin, alice).encoding(Encoding.JSON));
    WarblerClient bobClient = connect(builder(node, admin, bob).listener(bobSees));
    connect(builder(node, admin, carol).listener(carolSees));
    String chat = direct(alice, bob);

    SendAck hi =
        aliceClient.sendTo(chat, "hi @" + bob, SendOption.mention(bob)).get(10, TimeUnit.SECONDS);
    SendAck reply =
        bobClient.sendTo(chat, "hey", SendOption.replyTo(hi.getSeq())).get(10, TimeUnit.SECONDS);
    aliceClient.edit(chat, hi.getSeq(), "hi!").get(10, TimeUnit.SECONDS);
    bobClient.react(chat, hi.getSeq(), "👍").get(10, TimeUnit.SECONDS);
    assertThat(bobClient.react(chat, hi.getSeq(), "👍").get(10, TimeUnit.SECONDS).getDuplicate())
        .isTrue();
    bobClient.react(chat, hi.getSeq(), "🎉").get(10, TimeUnit.SECONDS);
    bobClient.unreact(chat, hi.getSeq(), "🎉").get(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> aliceClient.recall(chat, reply.getSeq()).get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(WarblerClientException.class)
        .hasMessageContaining("FORBIDDEN");
    SendAck recalled = bobClient.recall(chat, reply.getSeq()).get(10, TimeUnit.SECONDS);
    SendAck forwarded =
        bobClient.forward(chat, hi.getSeq(), direct(bob, carol)).get(10, TimeUnit.SECONDS);
    bobClient.deleteForMe(chat, hi.getSeq()).get(10, TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> bobSees.seqs(chat).size() == recalled.getSeq());
    assertThat(bobSees.seqs(chat)).containsExactlyElementsOf(seqRange(1, recalled.getSeq()));
    TreeMap<Long, Message> held = new TreeMap<>();
    for (Message m : bobSees.messages) {
      if (m.getConversation().equals(chat)) {
        held.put(m.getSeq(), m);
        if (m.getType() == MessageType.CHANGE) {
          long target = m.getChange().getTargetSeq();
          held.put(target, MessageChanges.apply(held.get(target), m, bob));
        }
      }
    }
    Message first = held.get(hi.getSeq());
    assertThat(first.getText()).isEqualTo("hi!");
    assertThat(first.getEditedAt()).isPositive();
    assertThat(first.getMentionsList()).containsExactly(bob);
    assertThat(first.getReactionsList())
        .singleElement()
        .satisfies(r -> {
          assertThat(r.getEmoji()).isEqualTo("👍");
          assertThat(r.getCount()).isEqualTo(1);
          assertThat(r.getMine()).isTrue();
        });
    assertThat(held.get(reply.getSeq()).getRecalled()).isTrue();
    assertThat(held.get(reply.getSeq()).getReplyTo()).isEqualTo(hi.getSeq());
    List<Message> history =
        bobClient.history(chat, 0, 100).get(10, TimeUnit.SECONDS).getMessagesList();
    assertThat(history.get(0).getDeletedForMe()).isTrue();
    assertThat(history.get(1)).isEqualTo(held.get(reply.getSeq()));
    await().atMost(WAIT).until(() -> bobSees.deletedForMe.contains(chat + "#" + hi.getSeq()));
    await().atMost(WAIT).until(() -> carolSees.messages.size() == 1);
    Message copy = carolSees.messages.getFirst();
    assertThat(copy.getSeq()).isEqualTo(forwarded.getSeq());
    assertThat(copy.getText()).isEqualTo("hi!");
    assertThat(copy.getForwardedFrom()).isEqualTo(chat + "#" + hi.getSeq());
  }

  private static List<Long> seqRange(long from, long to) {
    return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void theCliRecallsEditsAndReactsAndHistoryPrintsTheResultingState() throws Exception {
    String alice = "cli-alice" + ids.incrementAndGet();
    String bob = "cli-bob" + ids.incrementAndGet();
    assertThat(cli("user", "create", alice).exit()).isZero();
    assertThat(cli("user", "create", bob).exit()).isZero();
    assertThat(cli("send", "--as", alice, "--to", bob, "see", "you", "at", "9").exit()).isZero();
    assertThat(cli("send", "--as", alice, "--to", bob, "--mention", bob, "bring", "snacks").exit())
        .isZero();

    Run edited = cli("edit", "--as", alice, "--with", bob, "--seq", "1", "see", "you", "at", "10");
    Run reacted = cli("react", "--as", bob, "--with", alice, "--seq", "1", "👍");
    Run recalled = cli("recall", "--as", alice, "--conversation", direct(alice, bob), "--seq", "2");
    Run refused = cli("recall", "--as", bob, "--with", alice, "--seq", "1");
    Run history = cli("history", "--as", bob, "--with", alice);

    assertThat(edited.exit()).as(edited.err()).isZero();
    assertThat(JSON.readTree(edited.out()).path("seq").asLong()).isEqualTo(3);
    assertThat(reacted.exit()).as(reacted.err()).isZero();
    assertThat(recalled.exit()).as(recalled.err()).isZero();
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: FORBIDDEN (3000): ");
    List<JsonNode> lines = new ArrayList<>();
    for (String line : history.out().lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0).path("text").asText()).isEqualTo("see you at 10");
    assertThat(lines.get(0).path("editedAt").asText()).endsWith("Z");
    assertThat(lines.get(0).path("reactions").get(0).path("emoji").asText()).isEqualTo("👍");
    assertThat(lines.get(0).path("reactions").get(0).path("mine").asBoolean()).isTrue();
    assertThat(lines.get(1).path("recalled").asBoolean()).isTrue();
    assertThat(lines.get(1).has("mentions")).isFalse();
    assertThat(lines.get(2).path("type").asText()).isEqualTo("change");
    assertThat(lines.get(2).path("change").path("edit").path("text").asText())
        .isEqualTo("see you at 10");
    assertThat(lines.get(3).path("change").path("reaction").path("count").asLong()).isEqualTo(1);
    assertThat(lines.get(4).path("change").path("recall").asBoolean()).isTrue();
  }

  // ---------------------------------------------------------------------------------------------
  // The CLI's client commands, as `warbler` runs them.

  record Run(int exit, String out, String err) {}

  /** A bare root command, for running client commands with an environment of the test's own. */
  @CommandLine.Command(name = "warbler")
  static final class Root implements Runnable {
    @Override
    public void run() {}
  }

  private static Run cli(String... args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = cli(out, err, args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** Runs {@code warbler ARGS --server URL --admin-key-file FILE}, writing to the given buffers. */
  private static int cli(StringWriter out, StringWriter err, String... args) throws IOException {
    Path key = dir.resolve("admin.key");
    if (!Files.exists(key)) {
      Files.writeString(key, KEY);
    }
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", http(node).toString(), "--admin-key-file", key.toString()));
    return cli.execute(all.toArray(String[]::new));
  }

  @Test
  void theCliSendsListensAndReadsHistoryInJsonLines() throws Exception {
    String alice = "cli-alice" + ids.incrementAndGet();
    String bob = "cli-bob" + ids.incrementAndGet();
    assertThat(cli("user", "create", alice).exit()).isZero();
    assertThat(cli("user", "create", bob, "--name", "Bob").exit()).isZero();
    StringWriter listenOut = new StringWriter();
    StringWriter listenErr = new StringWriter();
    // A thread of its own: the JDK HTTP client needs a free common-pool worker for async calls.
    ExecutorService background = Executors.newSingleThreadExecutor();
    Future<Integer> listening =
        background.submit(() ->
            cli(listenOut, listenErr, "listen", "--as", bob, "--count", "1", "--timeout", "20"));
    await().atMost(WAIT).until(() -> listenErr.toString().contains("listening as " + bob));

    Run sent = cli("send", "--as", alice, "--to", bob, "hello", "from", "the", "cli");

    assertThat(sent.exit()).as(sent.err()).isZero();
    JsonNode ack = JSON.readTree(sent.out());
    assertThat(ack.path("conversation").asText()).isEqualTo(direct(alice, bob));
    assertThat(ack.path("seq").asLong()).isEqualTo(1);
    assertThat(listening.get(30, TimeUnit.SECONDS)).as(listenErr.toString()).isZero();
    background.shutdown();
    JsonNode line = JSON.readTree(listenOut.toString());
    assertThat(line.path("text").asText()).isEqualTo("hello from the cli");
    assertThat(line.path("type").asText()).isEqualTo("text");
    assertThat(line.path("from").asText()).isEqualTo(alice);
    assertThat(line.path("sentAt").asText()).endsWith("Z");
    Run history = cli("history", "--as", bob, "--with", alice);
    assertThat(history.exit()).as(history.err()).isZero();
    assertThat(history.out().lines().toList()).hasSize(1);
  }

  @Test
  void theCliChatShowsTheBacklogAndSendsWhatIsTyped() throws Exception {
    String alice = "chat-alice" + ids.incrementAndGet();
    String bob = "chat-bob" + ids.incrementAndGet();
    admin.createUser(APP, alice, "");
    admin.createUser(APP, bob, "");
    admin.sendMessage(APP, alice, Send.newBuilder().setUser(bob).setText("are you there?").build());
    Path key = dir.resolve("chat.key");
    Files.writeString(key, KEY);
    Environment env =
        new Environment(
            Map.of(),
            dir,
            new ByteArrayInputStream("yes, here\n/quit\n".getBytes(StandardCharsets.UTF_8)),
            ZoneOffset.UTC);
    CommandLine cli = new CommandLine(new Root());
    ClientCommands.clientCommands(env).forEach(cli::addSubcommand);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit =
        cli.execute(
            "chat",
            "--as",
            bob,
            "--to",
            alice,
            "--server",
            http(node).toString(),
            "--admin-key-file",
            key.toString());

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString().lines().toList())
        .hasSize(2)
        .satisfies(lines -> {
          assertThat(lines.get(0))
              .matches("\\[\\d\\d:\\d\\d:\\d\\d] " + alice + ": are you there\\?");
          assertThat(lines.get(1)).endsWith("] " + bob + ": yes, here");
        });
    assertThat(admin.discovery().protocols()).contains("warbler.v1.proto");
  }

  @Test
  void theCliReportsAServerErrorOnStderrWithExitCodeOne() throws Exception {
    String alice = "cli-alice" + ids.incrementAndGet();
    assertThat(cli("user", "create", alice).exit()).isZero();

    Run r = cli("send", "--as", alice, "--to", "nobody-" + alice, "hi");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().strip()).startsWith("error: USER_NOT_FOUND (4001): ");
  }
}
