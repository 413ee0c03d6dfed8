package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.BlockUser;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Contact;
import dev.warbler.protocol.v1.Friend;
import dev.warbler.protocol.v1.FriendRequest;
import dev.warbler.protocol.v1.FriendRequestEvent;
import dev.warbler.protocol.v1.FriendRequestStatus;
import dev.warbler.protocol.v1.ListBlocked;
import dev.warbler.protocol.v1.ListFriendRequests;
import dev.warbler.protocol.v1.ListFriends;
import dev.warbler.protocol.v1.RemoveFriend;
import dev.warbler.protocol.v1.RespondFriendRequest;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendFriendRequest;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.UnblockUser;
import dev.warbler.testkit.RawClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Friend requests, friends and blocks over real sockets, with the events they push. */
class GatewayContactsTest {
  private static TestGateway server;
  private static final AtomicInteger ids = new AtomicInteger();

  @BeforeAll
  static void start() {
    server = new TestGateway();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static ServerFrame call(RawClient c, ClientFrame.Builder frame) {
    return c.request(frame.setId("r" + ids.incrementAndGet()).build());
  }

  private static Contact contact(RawClient c, ClientFrame.Builder frame) {
    ServerFrame answer = call(c, frame);
    assertThat(answer.hasContact()).as(answer.toString()).isTrue();
    return answer.getContact();
  }

  private static ClientFrame.Builder request(String to, String note) {
    return ClientFrame.newBuilder()
        .setSendFriendRequest(SendFriendRequest.newBuilder().setUser(to).setMessage(note));
  }

  private static ClientFrame.Builder respond(String from, boolean accept) {
    return ClientFrame.newBuilder()
        .setRespondFriendRequest(RespondFriendRequest.newBuilder().setUser(from).setAccept(accept));
  }

  private static ClientFrame.Builder block(String user) {
    return ClientFrame.newBuilder().setBlockUser(BlockUser.newBuilder().setUser(user));
  }

  private static FriendRequestEvent nextEvent(RawClient c) {
    return c.await(ServerFrame::hasFriendRequestEvent, WAIT).getFriendRequestEvent();
  }

  /** The next event with {@code status}; events go to both users, so others may come first. */
  private static FriendRequestEvent nextEvent(RawClient c, FriendRequestStatus status) {
    return c.await(
            f -> f.hasFriendRequestEvent() && f.getFriendRequestEvent().getStatus() == status, WAIT)
        .getFriendRequestEvent();
  }

  private static ServerFrame sendText(RawClient c, String to, String text) {
    return call(
        c,
        ClientFrame.newBuilder()
            .setSend(
                Send.newBuilder()
                    .setClientMsgId("m" + ids.incrementAndGet())
                    .setUser(to)
                    .setText(text)));
  }

  @Test
  void aRequestIsPushedToTheTargetAndItsAcceptanceToBothAndTheyBecomeFriends() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    RawClient b = server.login(bob, Encoding.PROTO);

    Contact sent = contact(a, request(bob, "we met at the conference"));

    assertThat(sent.getRequestSent()).isTrue();
    assertThat(sent.getFriend()).isFalse();
    FriendRequestEvent received = nextEvent(b);
    assertThat(received.getStatus()).isEqualTo(FriendRequestStatus.FRIEND_REQUEST_PENDING);
    assertThat(received.getRequest().getFrom()).isEqualTo(alice);
    assertThat(received.getRequest().getMessage()).isEqualTo("we met at the conference");
    ServerFrame incoming =
        call(
            b,
            ClientFrame.newBuilder()
                .setListFriendRequests(ListFriendRequests.getDefaultInstance()));
    assertThat(incoming.getFriendRequests().getRequestsList())
        .extracting(FriendRequest::getFrom)
        .containsExactly(alice);

    Contact accepted = contact(b, respond(alice, true));

    assertThat(accepted.getFriend()).isTrue();
    assertThat(accepted.getRequestReceived()).isFalse();
    assertThat(nextEvent(a).getStatus())
        .as("the requester's own devices hear of the request too")
        .isEqualTo(FriendRequestStatus.FRIEND_REQUEST_PENDING);
    FriendRequestEvent acceptance = nextEvent(a, FriendRequestStatus.FRIEND_REQUEST_ACCEPTED);
    assertThat(acceptance.getRequest().getTo()).isEqualTo(bob);
    for (RawClient c : List.of(a, b)) {
      ServerFrame friends =
          call(c, ClientFrame.newBuilder().setListFriends(ListFriends.getDefaultInstance()));
      assertThat(friends.getFriends().getFriendsList()).hasSize(1);
    }
  }

  @Test
  void aDeclinedRequestMakesNoFriendsAndTellsTheRequester() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);
    contact(a, request(bob, ""));

    Contact declined = contact(b, respond(alice, false));

    assertThat(declined.getFriend()).isFalse();
    assertThat(declined.getRequestReceived()).isFalse();
    FriendRequestEvent event =
        a.await(
                f ->
                    f.hasFriendRequestEvent()
                        && f.getFriendRequestEvent().getStatus()
                            != FriendRequestStatus.FRIEND_REQUEST_PENDING,
                WAIT)
            .getFriendRequestEvent();
    assertThat(event.getStatus()).isEqualTo(FriendRequestStatus.FRIEND_REQUEST_DECLINED);
    assertThat(call(b, respond(alice, true)).getError().getCode())
        .isEqualTo(ErrorCode.NOT_FOUND.code());
  }

  @Test
  void requestsInBothDirectionsMakeFriendsAtOnceAndFriendsCanPart() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);
    contact(a, request(bob, ""));

    Contact mutual = contact(b, request(alice, ""));
    Contact parted =
        contact(
            a, ClientFrame.newBuilder().setRemoveFriend(RemoveFriend.newBuilder().setUser(bob)));

    assertThat(mutual.getFriend()).isTrue();
    assertThat(parted.getFriend()).isFalse();
  }

  @Test
  void aBlockedUsersDirectMessagesAndRequestsAreRefusedUntilUnblocked() {
    String alice = server.newUser();
    String mallory = server.newUser();
    RawClient a = server.login(alice);
    RawClient m = server.login(mallory);
    assertThat(sendText(m, alice, "hi").hasSendAck()).isTrue();

    Contact blocked = contact(a, block(mallory));

    assertThat(blocked.getBlocked()).isTrue();
    ServerFrame refused = sendText(m, alice, "hello??");
    assertThat(refused.getError().getCode()).isEqualTo(ErrorCode.BLOCKED.code());
    assertThat(refused.getError().getName()).isEqualTo("BLOCKED");
    assertThat(call(m, request(alice, "please")).getError().getCode())
        .isEqualTo(ErrorCode.BLOCKED.code());
    assertThat(sendText(a, mallory, "the blocker may still write").hasSendAck()).isTrue();
    ServerFrame list =
        call(a, ClientFrame.newBuilder().setListBlocked(ListBlocked.getDefaultInstance()));
    assertThat(list.getBlocked().getUsersList()).hasSize(1);
    assertThat(list.getBlocked().getUsers(0).getUser()).isEqualTo(mallory);

    contact(a, ClientFrame.newBuilder().setUnblockUser(UnblockUser.newBuilder().setUser(mallory)));

    assertThat(sendText(m, alice, "friends again?").hasSendAck()).isTrue();
  }

  @Test
  void friendListsArePagedWithACursor() {
    String hub = server.newUser();
    RawClient h = server.login(hub);
    List<String> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String u = server.newUser();
      others.add(u);
      server.contacts.addFriend(TestGateway.APP, hub, u);
    }

    List<String> seen = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    do {
      ServerFrame page =
          call(
              h,
              ClientFrame.newBuilder()
                  .setListFriends(ListFriends.newBuilder().setCursor(cursor).setLimit(2)));
      page.getFriends().getFriendsList().stream().map(Friend::getUser).forEach(seen::add);
      cursor = page.getFriends().getNextCursor();
      pages++;
    } while (!cursor.isEmpty());

    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactlyElementsOf(others.stream().sorted().toList());
  }

  @Test
  void badContactRequestsGetCatalogErrors() {
    String alice = server.newUser();
    RawClient a = server.login(alice);

    assertThat(call(a, request(alice, "")).getError().getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(call(a, request("nobody-here", "")).getError().getCode())
        .isEqualTo(ErrorCode.USER_NOT_FOUND.code());
    assertThat(call(a, request(server.newUser(), "x".repeat(600))).getError().getCode())
        .isEqualTo(ErrorCode.MESSAGE_TOO_LARGE.code());
    assertThat(
            call(
                    a,
                    ClientFrame.newBuilder()
                        .setListFriends(ListFriends.newBuilder().setCursor("not a cursor!")))
                .getError()
                .getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
  }
}
