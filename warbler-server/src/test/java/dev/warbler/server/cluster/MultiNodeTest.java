package dev.warbler.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.BlockUser;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.FriendRequestEvent;
import dev.warbler.protocol.v1.FriendRequestStatus;
import dev.warbler.protocol.v1.GroupAck;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.GroupUsers;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.RespondFriendRequest;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.SubscribePresence;
import dev.warbler.protocol.v1.Typing;
import dev.warbler.protocol.v1.TypingEvent;
import dev.warbler.protocol.v1.UnblockUser;
import dev.warbler.server.Setting;
import dev.warbler.server.cluster.TestCluster.Node;
import dev.warbler.testkit.RawClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in one process sharing one store bundle and one {@code LocalCluster}: every effect
 * that the bus carries is made through one node and observed on another (the actor connected to or
 * calling one node, the observer connected to another). Node B speaks JSON to its clients, A and C
 * protobuf, so the events also cross encodings.
 *
 * <p>Effects of a change that already returned (a REST answer, an ack) are awaited for at most one
 * second, as the bus promises for a cluster; message deliveries in bulk get {@link #WAIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiNodeTest {
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String APP = "default";
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir static Path dir;
  TestCluster cluster;
  Node a;
  Node b;
  Node c;

  private final List<RawClient> clients = new ArrayList<>();

  /** Settings of the bus the nodes share: the in-process cluster here. */
  protected Map<Setting, String> busSettings() {
    return Map.of();
  }

  /**
   * Whether each node opens its own store bundle and bus from the settings instead of sharing the
   * process's (only with a store and bus shared outside the process).
   */
  protected boolean independentNodes() {
    return false;
  }

  /** Settings of the store the nodes share: SQLite in the shared data directory here. */
  protected Map<Setting, String> storeSettings() {
    return Map.of();
  }

  @BeforeAll
  void start() {
    // Bursts and many logins from one address: the rate and guessing limits have their own tests.
    cluster =
        TestCluster.start(
            dir,
            3,
            withBus(
                Map.of(
                    Setting.LIMITS_AUTH_FAILURES_PER_MINUTE, "0",
                    Setting.LIMITS_RATE_USER_PER_SECOND, "0")),
            independentNodes());
    a = cluster.node(0);
    b = cluster.node(1);
    c = cluster.node(2);
  }

  private Map<Setting, String> withBus(Map<Setting, String> settings) {
    Map<Setting, String> all = new HashMap<>(settings);
    all.putAll(busSettings());
    all.putAll(storeSettings());
    return all;
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  @AfterEach
  void closeClients() {
    clients.forEach(RawClient::close);
  }

  // ---- 1. direct messages ------------------------------------------------------------------

  @Test
  void aDirectBurstThroughOneNodeReachesThePeerAndTheSendersOtherDeviceOnOtherNodesInSeqOrder() {
    String alice = user();
    String bob = user();
    RawClient sender = login(a, alice);
    RawClient peer = login(b, bob);
    RawClient otherDevice = login(c, alice);
    String conversation = direct(alice, bob);

    List<String> requests = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      String request = id("burst");
      requests.add(request);
      sender.send(
          ClientFrame.newBuilder()
              .setId(request)
              .setSend(Send.newBuilder().setClientMsgId(id("c")).setUser(bob).setText("m" + i))
              .build());
    }
    List<Long> acked = new ArrayList<>();
    for (String request : requests) {
      ServerFrame ack = sender.await(f -> f.getId().equals(request), WAIT);
      assertThat(ack.hasSendAck()).as("%s", ack).isTrue();
      acked.add(ack.getSendAck().getSeq());
    }

    List<Long> expected = LongStream.rangeClosed(1, 50).boxed().toList();
    assertThat(acked).as("stored in the order sent").containsExactlyElementsOf(expected);
    for (RawClient device : List.of(peer, otherDevice)) {
      List<Message> pushed = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        pushed.add(nextIn(device, conversation, WAIT));
      }
      assertThat(pushed).extracting(Message::getSeq).containsExactlyElementsOf(expected);
      assertThat(pushed)
          .extracting(Message::getText)
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 50).mapToObj(i -> "m" + i).toList());
      assertThat(pushed).allSatisfy(m -> assertThat(m.getFrom()).isEqualTo(alice));
    }
  }

  // ---- 2. groups ---------------------------------------------------------------------------

  @Test
  void aGroupMessageThroughOneNodeReachesMembersOnTheOthersAndAMemberAddedOnBHearsC() {
    String owner = user();
    String onB = user();
    String onC = user();
    String newcomer = user();
    String group = id("g");
    a.expect(
        201,
        "POST",
        "/v1/apps/" + APP + "/groups",
        Map.of("id", group, "owner", owner, "members", List.of(onB, onC)));
    RawClient ownerOnA = login(a, owner);
    RawClient memberOnB = login(b, onB);
    RawClient memberOnC = login(c, onC);
    RawClient newcomerOnA = login(a, newcomer); // online before it is a member

    long first = sent(ownerOnA, toGroup(group, "hello from A"));
    for (RawClient member : List.of(memberOnB, memberOnC)) {
      Message m = nextIn(member, "g:" + group, WAIT);
      assertThat(m.getSeq()).isEqualTo(first);
      assertThat(m.getText()).isEqualTo("hello from A");
      assertThat(m.getFrom()).isEqualTo(owner);
    }

    JsonNode added =
        b.expect(
            200,
            "POST",
            "/v1/apps/" + APP + "/groups/" + group + "/members",
            Map.of("users", List.of(newcomer)));
    assertThat(added.get("added").get(0).asText()).isEqualTo(newcomer);
    long next = sent(memberOnC, toGroup(group, "welcome, from C"));

    Message joined = nextIn(newcomerOnA, "g:" + group, WAIT);
    assertThat(joined.getType()).isEqualTo(MessageType.SYSTEM);
    assertThat(joined.getSeq()).as("nothing from before it joined").isEqualTo(first + 1);
    assertThat(joined.getPayload()).contains("member_joined").contains(newcomer);
    Message welcome = nextIn(newcomerOnA, "g:" + group, WAIT);
    assertThat(welcome.getSeq()).isEqualTo(next);
    assertThat(welcome.getText()).isEqualTo("welcome, from C");
    assertThat(nextIn(memberOnB, "g:" + group, WAIT).getSeq()).isEqualTo(first + 1);
    assertThat(nextIn(memberOnB, "g:" + group, WAIT).getText()).isEqualTo("welcome, from C");
  }

  // ---- 3. kick -----------------------------------------------------------------------------

  @Test
  void aMemberKickedThroughACannotSendThroughBAndStopsReceivingWithin1s() {
    String owner = user();
    String kicked = user();
    String stays = user();
    String group = id("g");
    a.expect(
        201,
        "POST",
        "/v1/apps/" + APP + "/groups",
        Map.of("id", group, "owner", owner, "members", List.of(kicked, stays)));
    RawClient ownerOnA = login(a, owner);
    RawClient kickedOnB = login(b, kicked);
    RawClient staysOnC = login(c, stays);
    // B has checked the membership once: a cached answer must not outlive the kick.
    long before = sent(kickedOnB, toGroup(group, "before"));
    assertThat(nextIn(kickedOnB, "g:" + group, WAIT).getSeq()).isEqualTo(before);
    assertThat(nextIn(staysOnC, "g:" + group, WAIT).getSeq()).isEqualTo(before);

    GroupAck kick =
        ack(
            ownerOnA.request(
                ClientFrame.newBuilder()
                    .setId(id("k"))
                    .setGroupCommand(
                        GroupCommand.newBuilder()
                            .setGroup(group)
                            .setKick(GroupUsers.newBuilder().addUsers(kicked)))
                    .build()));
    assertThat(kick.getUsersList()).containsExactly(kicked);

    Message notice = nextIn(kickedOnB, "g:" + group, ONE_SECOND);
    assertThat(notice.getSeq()).isEqualTo(kick.getSeq());
    assertThat(notice.getPayload()).contains("member_removed");
    within1s()
        .untilAsserted(
            () -> refused(send(kickedOnB, toGroup(group, "after the kick")), "NOT_MEMBER"));

    // Sends of the kicked member that B took before it heard of the kick (the bus's window, at
    // most a second) are allowed; nothing else may come between the kick and the next message.
    java.util.function.Predicate<ServerFrame> othersInGroup =
        f ->
            f.hasMessage()
                && f.getMessage().getConversation().equals("g:" + group)
                && !f.getMessage().getFrom().equals(kicked);
    long after = sent(staysOnC, toGroup(group, "after you left"));
    assertThat(staysOnC.await(othersInGroup, ONE_SECOND).getMessage().getSeq())
        .isEqualTo(kick.getSeq());
    assertThat(staysOnC.await(othersInGroup, ONE_SECOND).getMessage().getSeq()).isEqualTo(after);
    // Published after the group message: once it arrives, the group message would have too.
    sent(staysOnC, toUser(kicked, "marker"));
    kickedOnB.await(f -> f.hasMessage() && f.getMessage().getText().equals("marker"), ONE_SECOND);
    assertThat(kickedOnB.drain()).noneMatch(othersInGroup);
  }

  // ---- 4-7. access -------------------------------------------------------------------------

  @Test
  void anAppWideBanThroughAClosesTheConnectionOnBAndRefusesALoginOnCUntilUnbanned() {
    String banned = user();
    String bystander = user();
    String token = a.token(APP, banned);
    RawClient onB = loginWith(b, token);
    RawClient bystanderOnB = login(b, bystander);
    loginWith(c, token).close(); // C has seen the user authenticate

    long start = System.nanoTime();
    a.expect(200, "PUT", "/v1/apps/" + APP + "/users/" + banned + "/ban", Map.of("reason", "spam"));

    closedWithin1s(onB, start, 4105, "user banned");
    assertThat(alive(bystanderOnB)).isTrue();
    within1s().untilAsserted(() -> loginRefused(c, token, "USER_BANNED", 4105));
    assertThat(
            c.call("POST", "/v1/apps/" + APP + "/users/" + banned + "/tokens", Map.of()).status())
        .isEqualTo(403);

    a.expect(204, "DELETE", "/v1/apps/" + APP + "/users/" + banned + "/ban", null);
    within1s().untilAsserted(() -> assertThat(alive(loginWith(c, token))).isTrue());
  }

  @Test
  void revokingTokensThroughAClosesTheConnectionsOnBAndCWithin1s() {
    String user = user();
    String token = a.token(APP, user);
    RawClient onB = loginWith(b, token);
    RawClient onC = loginWith(c, token);

    long start = System.nanoTime();
    a.expect(200, "POST", "/v1/apps/" + APP + "/users/" + user + "/tokens/revoke", null);

    closedWithin1s(onB, start, 4106, "tokens revoked");
    closedWithin1s(onC, start, 4106, "tokens revoked");
    within1s().untilAsserted(() -> loginRefused(b, token, "TOKEN_REVOKED", 4106));
    String fresh = c.token(APP, user);
    within1s().untilAsserted(() -> assertThat(alive(loginWith(b, fresh))).isTrue());
  }

  @Test
  void deletingAUserThroughAClosesItsConnectionOnBAndItCannotLogInOnC() {
    String user = user();
    String token = a.token(APP, user);
    RawClient onB = loginWith(b, token);
    loginWith(c, token).close(); // C has found the user once

    long start = System.nanoTime();
    a.expect(204, "DELETE", "/v1/apps/" + APP + "/users/" + user, null);

    closedWithin1s(onB, start, 4103, "user deleted");
    within1s().untilAsserted(() -> loginRefused(c, token, "USER_ID_RETIRED", 4103));
    // No node remembers when the deleted user was last seen (its last connection closed on B;
    // the one closed on C by the client may still be closing when the delete returns).
    within1s()
        .untilAsserted(() -> {
          for (Node node : List.of(a, b, c)) {
            JsonNode seen =
                node.expect(200, "GET", "/v1/apps/" + APP + "/presence?users=" + user, null)
                    .get("items")
                    .get(0);
            assertThat(seen.get("online").asBoolean()).as("online on %s", node).isFalse();
            assertThat(seen.get("lastSeen").asLong()).as("lastSeen on %s", node).isZero();
          }
        });
  }

  @Test
  void rotatingASecretWithEndSessionsThroughAClosesThatAppsConnectionsOnB() {
    String app = id("bank");
    a.expect(201, "POST", "/v1/apps", Map.of("id", app));
    String teller = id("teller");
    String clerk = id("clerk");
    a.createUser(app, teller);
    a.createUser(app, clerk);
    String oldToken = a.token(app, teller);
    RawClient tellerOnB = loginWith(b, oldToken);
    RawClient clerkOnB = loginWith(b, a.token(app, clerk));
    RawClient otherAppOnB = login(b, user());

    long start = System.nanoTime();
    a.expect(200, "POST", "/v1/apps/" + app + "/secret/rotate?endSessions=true", null);

    closedWithin1s(tellerOnB, start, 4106, "app secret rotated");
    closedWithin1s(clerkOnB, start, 4106, "app secret rotated");
    assertThat(alive(otherAppOnB)).isTrue();
    // B had the app with its old secret: it must verify with the new one now.
    within1s().untilAsserted(() -> loginRefused(b, oldToken, "TOKEN_INVALID", 4100));
    String fresh = c.token(app, teller);
    within1s().untilAsserted(() -> assertThat(alive(loginWith(b, fresh))).isTrue());
  }

  // ---- 8. receipts, typing, presence -------------------------------------------------------

  @Test
  void aReadReceiptAndTypingFromAUserOnAReachThePeerOnB() {
    String alice = user();
    String bob = user();
    String conversation = direct(alice, bob);
    RawClient aliceOnA = login(a, alice);
    RawClient bobOnB = login(b, bob);
    long seq = sent(bobOnB, toUser(alice, "read me"));
    assertThat(nextIn(aliceOnA, conversation, WAIT).getSeq()).isEqualTo(seq);

    ServerFrame read =
        aliceOnA.request(
            ClientFrame.newBuilder()
                .setId(id("read"))
                .setMarkRead(MarkRead.newBuilder().setConversation(conversation).setSeq(seq))
                .build());
    assertThat(read.hasReadState()).as("%s", read).isTrue();
    ReadReceipt receipt =
        bobOnB
            .await(
                f -> f.hasReadReceipt() && f.getReadReceipt().getUser().equals(alice), ONE_SECOND)
            .getReadReceipt();
    assertThat(receipt.getConversation()).isEqualTo(conversation);
    assertThat(receipt.getReadSeq()).isEqualTo(seq);

    aliceOnA.send(
        ClientFrame.newBuilder()
            .setTyping(Typing.newBuilder().setConversation(conversation).setActive(true))
            .build());
    TypingEvent typing =
        bobOnB
            .await(
                f -> f.hasTypingEvent() && f.getTypingEvent().getUser().equals(alice), ONE_SECOND)
            .getTypingEvent();
    assertThat(typing.getConversation()).isEqualTo(conversation);
    assertThat(typing.getActive()).isTrue();
  }

  @Test
  void aWatcherOnBSeesAUserOnCComeAndGoAndAUserOnTwoNodesStaysOnlineUntilItsLastConnection() {
    String watched = user();
    String watcher = user();
    String room = id("room");
    c.expect(201, "POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", room));
    RawClient watcherOnB = login(b, watcher);
    ServerFrame subscribed =
        watcherOnB.request(
            ClientFrame.newBuilder()
                .setId(id("w"))
                .setSubscribePresence(SubscribePresence.newBuilder().addUsers(watched))
                .build());
    assertThat(subscribed.getPresenceList().getEntries(0).getOnline()).isFalse();

    RawClient watchedOnC = login(c, watched);
    PresenceEvent online = presenceOf(watcherOnB, watched);
    assertThat(online.getOnline()).isTrue();

    RawClient watchedOnA = login(a, watched);
    joinRoom(watchedOnC, room); // so that C's handling of the close can be seen: it leaves it
    watchedOnC.close();
    // C has removed the connection (presence is told before the room is left) ...
    within1s().untilAsserted(() -> assertThat(present(c, room)).isZero());
    // ... so an offline transition, had C published one, was pushed before this pong.
    assertThat(alive(watcherOnB)).isTrue();
    assertThat(watcherOnB.drain()).noneMatch(ServerFrame::hasPresenceEvent);
    assertThat(onlineByRest(b, watched)).isTrue();

    watchedOnA.close();
    PresenceEvent offline = presenceOf(watcherOnB, watched);
    assertThat(offline.getOnline()).isFalse();
    assertThat(offline.getLastSeen()).isGreaterThanOrEqualTo(online.getLastSeen());
    assertThat(onlineByRest(c, watched)).isFalse();
  }

  // ---- 9. contacts -------------------------------------------------------------------------

  @Test
  void aFriendRequestThroughAReachesTheTargetOnBAndTheSendersDeviceOnC() {
    String alice = user();
    String bob = user();
    RawClient aliceOnA = login(a, alice);
    RawClient bobOnB = login(b, bob);
    RawClient aliceOnC = login(c, alice);

    ServerFrame asked =
        aliceOnA.request(
            ClientFrame.newBuilder()
                .setId(id("f"))
                .setSendFriendRequest(
                    SendFriendRequest.newBuilder().setUser(bob).setMessage("we met at the fair"))
                .build());
    assertThat(asked.getContact().getRequestSent()).as("%s", asked).isTrue();

    for (RawClient device : List.of(bobOnB, aliceOnC)) {
      FriendRequestEvent event = contactEvent(device, FriendRequestStatus.FRIEND_REQUEST_PENDING);
      assertThat(event.getRequest().getFrom()).isEqualTo(alice);
      assertThat(event.getRequest().getTo()).isEqualTo(bob);
      assertThat(event.getRequest().getMessage()).isEqualTo("we met at the fair");
    }

    ServerFrame accepted =
        bobOnB.request(
            ClientFrame.newBuilder()
                .setId(id("f"))
                .setRespondFriendRequest(
                    RespondFriendRequest.newBuilder().setUser(alice).setAccept(true))
                .build());
    assertThat(accepted.getContact().getFriend()).as("%s", accepted).isTrue();
    assertThat(
            contactEvent(aliceOnA, FriendRequestStatus.FRIEND_REQUEST_ACCEPTED)
                .getRequest()
                .getFrom())
        .isEqualTo(alice);
  }

  // ---- 10. chatrooms -----------------------------------------------------------------------

  @Test
  void aChatroomMessageThroughEitherNodeReachesTheConnectionOnTheOther() {
    String room = id("room");
    c.expect(201, "POST", "/v1/apps/" + APP + "/chatrooms", Map.of("id", room));
    String onA = user();
    String onB = user();
    RawClient roomOnA = login(a, onA);
    RawClient roomOnB = login(b, onB);
    joinRoom(roomOnA, room);
    joinRoom(roomOnB, room);

    sent(roomOnA, toRoom(room, "hello from A"));
    ChatroomMessage fromA = roomMessage(roomOnB, "hello from A");
    assertThat(fromA.getRoom()).isEqualTo(room);
    assertThat(fromA.getMessage().getFrom()).isEqualTo(onA);

    sent(roomOnB, toRoom(room, "hello from B"));
    ChatroomMessage fromB = roomMessage(roomOnA, "hello from B");
    assertThat(fromB.getRoom()).isEqualTo(room);
    assertThat(fromB.getMessage().getFrom()).isEqualTo(onB);
  }

  // ---- 11. metering ------------------------------------------------------------------------

  @Test
  void messagesSentThroughThreeNodesAreMeteredAndCountedOnceEach() {
    String app = id("metered");
    a.expect(201, "POST", "/v1/apps", Map.of("id", app));
    String reader = id("reader");
    a.createUser(app, reader);
    List<RawClient> readers = new ArrayList<>();
    List<RawClient> senders = new ArrayList<>();
    for (Node node : cluster.nodes()) {
      // The reader is on every node: each receives every message, none may count it.
      readers.add(loginWith(node, node.token(app, reader)));
      String sender = id("sender");
      node.createUser(app, sender);
      senders.add(loginWith(node, node.token(app, sender)));
    }
    double storedBefore = storedOnAllNodes();

    int perNode = 7;
    for (int i = 0; i < perNode; i++) {
      for (RawClient sender : senders) {
        sent(sender, toUser(reader, "n" + i));
      }
    }
    int n = perNode * senders.size();
    for (RawClient device : readers) {
      for (int i = 0; i < n; i++) {
        device.await(ServerFrame::hasMessage, WAIT);
      }
    }

    assertThat(storedOnAllNodes() - storedBefore).isEqualTo(n);
    // A report flushes the counts of the node that answers it: ask each, then read the total.
    for (Node node : cluster.nodes()) {
      node.expect(200, "GET", "/v1/apps/" + app + "/usage", null);
    }
    for (Node node : cluster.nodes()) {
      JsonNode usage = node.expect(200, "GET", "/v1/apps/" + app + "/usage", null);
      assertThat(usage.get("messagesSent").asLong()).as("usage on %s", node).isEqualTo(n);
    }
  }

  // ---- 12. blocks --------------------------------------------------------------------------

  @Test
  void aBlockSetThroughATakesEffectOnBDespiteItsCachedAnswerAndAnUnblockThroughCToo() {
    String blocker = user();
    String blocked = user();
    RawClient blockerOnA = login(a, blocker);
    RawClient blockedOnB = login(b, blocked);
    sent(blockedOnB, toUser(blocker, "hi")); // B caches: no block

    ServerFrame block =
        blockerOnA.request(
            ClientFrame.newBuilder()
                .setId(id("b"))
                .setBlockUser(BlockUser.newBuilder().setUser(blocked))
                .build());
    assertThat(block.getContact().getBlocked()).as("%s", block).isTrue();
    within1s()
        .untilAsserted(() -> refused(send(blockedOnB, toUser(blocker, "hi again")), "BLOCKED"));

    RawClient blockerOnC = login(c, blocker);
    ServerFrame unblock =
        blockerOnC.request(
            ClientFrame.newBuilder()
                .setId(id("b"))
                .setUnblockUser(UnblockUser.newBuilder().setUser(blocked))
                .build());
    assertThat(unblock.getContact().getBlocked()).as("%s", unblock).isFalse();
    within1s()
        .untilAsserted(
            () -> assertThat(send(blockedOnB, toUser(blocker, "sorry")).hasSendAck()).isTrue());
  }

  // ---- the setup itself --------------------------------------------------------------------

  @Test
  void auditEntriesWrittenThroughEveryNodeFormOneChainThatANewNodeVerifies() {
    for (Node node : cluster.nodes()) {
      assertThat(node.metric("warbler_audit_chain_intact")).as("%s", node).isEqualTo(1.0);
    }
    String user = user();
    a.token(APP, user); // each admin operation is audited by the node that serves it
    a.expect(200, "PUT", "/v1/apps/" + APP + "/users/" + user + "/ban", Map.of());
    b.expect(204, "DELETE", "/v1/apps/" + APP + "/users/" + user + "/ban", null);
    c.expect(200, "POST", "/v1/apps/" + APP + "/users/" + user + "/tokens/revoke", null);

    // A node verifies the whole chain when it starts: entries of A, B and C under one key.
    try (Node late = cluster.startNode("D")) {
      assertThat(late.metric("warbler_audit_chain_intact")).isEqualTo(1.0);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Effects the bus carries: at most one second after the change that causes them returned. */
  private static ConditionFactory within1s() {
    return await()
        .atMost(ONE_SECOND)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50));
  }

  private static String id(String prefix) {
    return prefix + ids.incrementAndGet();
  }

  /** A new user of the default app, created through C (logins happen anywhere). */
  private String user() {
    String user = id("u");
    c.createUser(APP, user);
    return user;
  }

  private static String direct(String x, String y) {
    return x.compareTo(y) < 0 ? "d:" + x + ":" + y : "d:" + y + ":" + x;
  }

  /** B speaks JSON to its clients, A and C protobuf. */
  private Encoding encoding(Node node) {
    return node == b ? Encoding.JSON : Encoding.PROTO;
  }

  private RawClient login(Node node, String user) {
    return loginWith(node, node.token(APP, user));
  }

  private RawClient loginWith(Node node, String token) {
    RawClient client = RawClient.connect(node.ws(), encoding(node));
    clients.add(client);
    ServerFrame ok = auth(client, token);
    assertThat(ok.hasAuthOk()).as("auth on %s: %s", node, ok).isTrue();
    return client;
  }

  private static ServerFrame auth(RawClient client, String token) {
    return client.request(
        ClientFrame.newBuilder().setId(id("a")).setAuth(Auth.newBuilder().setToken(token)).build());
  }

  /** Authenticating with {@code token} on {@code node} fails with {@code error}, then closes. */
  private void loginRefused(Node node, String token, String error, int closeCode) {
    try (RawClient client = RawClient.connect(node.ws(), encoding(node))) {
      refused(auth(client, token), error);
      assertThat(client.awaitClose(ONE_SECOND)).isEqualTo(closeCode);
    }
  }

  private static boolean alive(RawClient client) {
    return client
        .request(
            ClientFrame.newBuilder()
                .setId(id("p"))
                .setPing(Ping.newBuilder().setClientTime(1))
                .build())
        .hasPong();
  }

  /** Told {@code closing}, then closed with {@code code}, within one second of {@code start}. */
  private static void closedWithin1s(RawClient client, long start, int code, String reason) {
    ServerFrame closing = client.await(ServerFrame::hasClosing, left(start));
    assertThat(closing.getClosing().getCode()).isEqualTo(code);
    assertThat(closing.getClosing().getReason()).isEqualTo(reason);
    assertThat(closing.getClosing().getReconnect()).isFalse();
    assertThat(client.awaitClose(left(start))).isEqualTo(code);
    assertThat(client.closeReason()).isEqualTo(reason);
  }

  private static Duration left(long start) {
    return Duration.ofNanos(Math.max(1, ONE_SECOND.toNanos() - (System.nanoTime() - start)));
  }

  private static Send.Builder toUser(String user, String text) {
    return Send.newBuilder().setUser(user).setText(text);
  }

  private static Send.Builder toGroup(String group, String text) {
    return Send.newBuilder().setGroup(group).setText(text);
  }

  private static Send.Builder toRoom(String room, String text) {
    return Send.newBuilder().setChatroom(room).setText(text);
  }

  /** Sends with a new client message id; the answer, an ack or an error. */
  private static ServerFrame send(RawClient client, Send.Builder send) {
    return client.request(
        ClientFrame.newBuilder().setId(id("s")).setSend(send.setClientMsgId(id("c"))).build());
  }

  /** Sends and returns the acknowledged seq. */
  private static long sent(RawClient client, Send.Builder send) {
    ServerFrame ack = send(client, send);
    assertThat(ack.hasSendAck()).as("%s", ack).isTrue();
    return ack.getSendAck().getSeq();
  }

  private static Message nextIn(RawClient client, String conversation, Duration within) {
    return client
        .await(f -> f.hasMessage() && f.getMessage().getConversation().equals(conversation), within)
        .getMessage();
  }

  private static void refused(ServerFrame answer, String error) {
    assertThat(answer.hasError()).as("%s", answer).isTrue();
    assertThat(answer.getError().getName()).as(answer.getError().getMessage()).isEqualTo(error);
  }

  private static GroupAck ack(ServerFrame answer) {
    assertThat(answer.hasGroupAck()).as("%s", answer).isTrue();
    return answer.getGroupAck();
  }

  private static void joinRoom(RawClient client, String room) {
    ServerFrame joined =
        client.request(
            ClientFrame.newBuilder()
                .setId(id("j"))
                .setJoinChatroom(JoinChatroom.newBuilder().setRoom(room))
                .build());
    assertThat(joined.hasChatroomJoined()).as("%s", joined).isTrue();
  }

  private static ChatroomMessage roomMessage(RawClient client, String text) {
    return client
        .await(
            f ->
                f.hasChatroomMessage()
                    && f.getChatroomMessage().getMessage().getText().equals(text),
            ONE_SECOND)
        .getChatroomMessage();
  }

  /** Connections present in {@code room} on {@code node}, as that node counts them. */
  private static int present(Node node, String room) {
    return node.expect(200, "GET", "/v1/apps/" + APP + "/chatrooms/" + room, null)
        .get("present")
        .asInt();
  }

  private static PresenceEvent presenceOf(RawClient watcher, String user) {
    return watcher
        .await(f -> f.hasPresenceEvent() && f.getPresenceEvent().getUser().equals(user), ONE_SECOND)
        .getPresenceEvent();
  }

  private static boolean onlineByRest(Node node, String user) {
    return node.expect(200, "GET", "/v1/apps/" + APP + "/presence?users=" + user, null)
        .get("items")
        .get(0)
        .get("online")
        .asBoolean();
  }

  private static FriendRequestEvent contactEvent(RawClient device, FriendRequestStatus status) {
    return device
        .await(
            f -> f.hasFriendRequestEvent() && f.getFriendRequestEvent().getStatus() == status,
            ONE_SECOND)
        .getFriendRequestEvent();
  }

  private double storedOnAllNodes() {
    return cluster.nodes().stream()
        .mapToDouble(n -> n.metric("warbler_messages_stored_total"))
        .sum();
  }
}
