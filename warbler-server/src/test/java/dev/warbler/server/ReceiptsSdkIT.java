package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.MemberReceipt;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.PresenceEntry;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.TypingEvent;
import dev.warbler.sdk.Backoff;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
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
import picocli.CommandLine;

/**
 * Receipts, typing and presence through the Java SDK and the CLI against a real node: what an app
 * developer and a person trying Warbler see.
 */
class ReceiptsSdkIT {
  private static final String KEY =
      "receipts-it-admin-key-0123456789-padded-to-be-strong-0123456789";
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

  static URI http() {
    return URI.create("http://127.0.0.1:" + node.httpPort());
  }

  private static String newUser(String prefix) {
    String id = prefix + ids.incrementAndGet();
    admin.createUser(APP, id, "");
    return id;
  }

  private static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  /** Records messages and events in arrival order. */
  static final class Recorder implements MessageListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<ReadReceipt> reads = new CopyOnWriteArrayList<>();
    final List<DeliveryReceipt> deliveries = new CopyOnWriteArrayList<>();
    final List<TypingEvent> typing = new CopyOnWriteArrayList<>();
    final List<PresenceEvent> presence = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onReadReceipt(ReadReceipt receipt) {
      reads.add(receipt);
    }

    @Override
    public void onDeliveryReceipt(DeliveryReceipt receipt) {
      deliveries.add(receipt);
    }

    @Override
    public void onTyping(TypingEvent event) {
      typing.add(event);
    }

    @Override
    public void onPresence(PresenceEvent event) {
      presence.add(event);
    }
  }

  private WarblerClient connect(String user, Recorder listener) throws Exception {
    WarblerClient client =
        WarblerClient.builder()
            .server(http())
            .token(() -> admin.issueUserToken(APP, user, 600))
            .app(APP)
            .listener(listener)
            .deliveryAckDelay(Duration.ofMillis(50))
            .backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)))
            .build();
    clients.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  @Test
  void theSenderSeesDeliveryThenReadAndTheReadersOtherDeviceFollows() throws Exception {
    String alice = newUser("alice");
    String bob = newUser("bob");
    String chat = direct(alice, bob);
    Recorder bobSees = new Recorder();
    Recorder alicePhone = new Recorder();
    Recorder aliceLaptop = new Recorder();
    WarblerClient bobClient = connect(bob, bobSees);
    WarblerClient phone = connect(alice, alicePhone);
    connect(alice, aliceLaptop);

    long seq = bobClient.sendText(alice, "did you get this?").get(10, TimeUnit.SECONDS).getSeq();

    await()
        .atMost(WAIT)
        .until(() ->
            bobSees.deliveries.stream()
                .anyMatch(d -> d.getUser().equals(alice) && d.getDeliveredSeq() == seq));
    assertThat(phone.markRead(chat, seq).get(10, TimeUnit.SECONDS).getUnread()).isZero();
    for (Recorder r : List.of(bobSees, aliceLaptop)) {
      await()
          .atMost(WAIT)
          .until(() ->
              r.reads.stream()
                  .anyMatch(x -> x.getConversation().equals(chat) && x.getReadSeq() == seq));
    }
    List<MemberReceipt> receipts = bobClient.receipts(chat).get(10, TimeUnit.SECONDS);
    assertThat(receipts)
        .filteredOn(r -> r.getUser().equals(alice))
        .singleElement()
        .satisfies(r -> {
          assertThat(r.getReadSeq()).isEqualTo(seq);
          assertThat(r.getDeliveredSeq()).isEqualTo(seq);
        });
  }

  @Test
  void typingReachesThePeerAndPresenceFollowsAWatchedUser() throws Exception {
    String alice = newUser("alice");
    String bob = newUser("bob");
    String carol = newUser("carol");
    Recorder bobSees = new Recorder();
    WarblerClient aliceClient = connect(alice, new Recorder());
    WarblerClient bobClient = connect(bob, bobSees);

    aliceClient.typing(direct(alice, bob), true).get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> !bobSees.typing.isEmpty());
    assertThat(bobSees.typing.getFirst().getUser()).isEqualTo(alice);
    assertThat(bobSees.typing.getFirst().getActive()).isTrue();

    List<PresenceEntry> now = bobClient.subscribePresence(List.of(carol)).get(10, TimeUnit.SECONDS);
    assertThat(now.getFirst().getOnline()).isFalse();
    WarblerClient carolClient = connect(carol, new Recorder());
    await().atMost(WAIT).until(() -> bobSees.presence.size() == 1);
    assertThat(bobSees.presence.getFirst().getOnline()).isTrue();
    carolClient.close();
    await().atMost(WAIT).until(() -> bobSees.presence.size() == 2);
    assertThat(bobSees.presence.get(1).getOnline()).isFalse();
    assertThat(bobSees.presence.get(1).getLastSeen()).isPositive();
  }

  // ---------------------------------------------------------------------------------------------
  // The CLI, as in the README's tour.

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
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", http().toString(), "--admin-key-file", key.toString()));
    return cli.execute(all.toArray(String[]::new));
  }

  private static List<JsonNode> lines(String out) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  void theCliShowsAReadReceiptArrivingInAGroupAndListsReceiptsAndPresence() throws Exception {
    String alice = newUser("alice");
    String bob = newUser("bob");
    String group = "class" + ids.incrementAndGet();
    assertThat(cli("group", "create", group, "--owner", alice, "--members", bob).exit()).isZero();
    assertThat(cli("send", "--as", bob, "--group", group, "homework", "done").exit()).isZero();

    StringWriter listenOut = new StringWriter();
    StringWriter listenErr = new StringWriter();
    ExecutorService background = Executors.newSingleThreadExecutor();
    Future<Integer> listening =
        background.submit(() ->
            cli(
                listenOut,
                listenErr,
                "listen",
                "--as",
                bob,
                "--presence",
                alice,
                "--count",
                "1",
                "--timeout",
                "30"));
    await().atMost(WAIT).until(() -> listenErr.toString().contains("listening as " + bob));

    Run read = cli("read", "--as", alice, "--group", group);

    assertThat(read.exit()).as(read.err()).isZero();
    JsonNode state = JSON.readTree(read.out());
    assertThat(state.get("conversation").asText()).isEqualTo("g:" + group);
    // seq 1 is the group_created event, 2 bob's homework.
    assertThat(state.get("readSeq").asLong()).isEqualTo(2);
    assertThat(state.get("unread").asLong()).isZero();
    // alice was offline, came online for `read`, and went offline again.
    await()
        .atMost(WAIT)
        .until(() ->
            listenOut.toString().contains("\"event\":\"read\"")
                && listenOut.toString().split("\"event\":\"presence\"", -1).length == 4);
    // One message ends the listen (events do not count towards --count).
    assertThat(cli("send", "--as", alice, "--group", group, "bye").exit()).isZero();
    assertThat(listening.get(30, TimeUnit.SECONDS)).as(listenErr.toString()).isZero();
    background.shutdown();
    List<JsonNode> events = lines(listenOut.toString());
    assertThat(events)
        .filteredOn(e -> e.path("event").asText().equals("read"))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.get("conversation").asText()).isEqualTo("g:" + group);
          assertThat(e.get("user").asText()).isEqualTo(alice);
          assertThat(e.get("readSeq").asLong()).isEqualTo(2);
        });
    assertThat(events)
        .filteredOn(e -> e.path("event").asText().equals("presence"))
        .extracting(e -> e.get("online").asBoolean())
        .startsWith(false, true, false); // (then online again to send "bye")
    assertThat(events.getLast().get("text").asText()).isEqualTo("bye");

    // alice read 2 and sent 3 ("bye"); bob sent 2, and his listen saw "bye" and acked it as it
    // closed (the ack is a notification, so the receipts may be asked for before it was stored).
    await()
        .atMost(WAIT)
        .untilAsserted(() -> {
          Run receipts = cli("receipts", "--as", bob, "--group", group);
          assertThat(receipts.exit()).as(receipts.err()).isZero();
          assertThat(lines(receipts.out()))
              .extracting(
                  r -> r.get("user").asText(),
                  r -> r.get("readSeq").asLong(),
                  r -> r.get("deliveredSeq").asLong())
              .containsExactlyInAnyOrder(tuple(alice, 3L, 3L), tuple(bob, 2L, 3L));
        });

    Run presence = cli("presence", "--as", bob, alice, "ghost");
    assertThat(presence.exit()).as(presence.err()).isZero();
    List<JsonNode> who = lines(presence.out());
    assertThat(who).extracting(p -> p.get("user").asText()).containsExactly(alice, "ghost");
    assertThat(who.get(0).get("online").asBoolean()).isFalse();
    assertThat(who.get(0).get("lastSeen").asText()).endsWith("Z");
    assertThat(who.get(1).has("lastSeen")).isFalse();

    Run refused = cli("receipts", "--as", newUser("eve"), "--group", group);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().strip()).startsWith("error: NOT_MEMBER (3001): ");
  }
}
