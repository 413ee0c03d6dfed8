package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.SyncResult;
import dev.warbler.protocol.v1.UpdateConversation;
import dev.warbler.testkit.RawClient;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Per-user conversation settings over real sockets: update, answer, sync to other devices. */
class GatewayConversationSettingsTest {
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

  private static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  private static ServerFrame call(RawClient c, ClientFrame.Builder frame) {
    return c.request(frame.setId("r" + ids.incrementAndGet()).build());
  }

  private static ServerFrame update(RawClient c, UpdateConversation.Builder update) {
    return call(c, ClientFrame.newBuilder().setUpdateConversation(update));
  }

  private static SyncResult sync(RawClient c, long cursor) {
    return call(c, ClientFrame.newBuilder().setSync(Sync.newBuilder().setCursor(cursor)))
        .getSyncResult();
  }

  private static void say(RawClient c, String to, String text) {
    ServerFrame ack =
        call(
            c,
            ClientFrame.newBuilder()
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId("m" + ids.incrementAndGet())
                        .setUser(to)
                        .setText(text)));
    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
  }

  @Test
  void anUpdateAnswersTheFullStateAndChangesOnlyTheFieldsItSets() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    say(a, bob, "hi");
    String conversation = direct(alice, bob);

    ServerFrame pinned =
        update(a, UpdateConversation.newBuilder().setConversation(conversation).setPinned(true));
    ServerFrame muted =
        update(
            a,
            UpdateConversation.newBuilder()
                .setConversation(conversation)
                .setMuted(true)
                .setCustom("{\"color\":\"teal\"}"));

    assertThat(pinned.getConversationState().getPinned()).isTrue();
    ConversationState state = muted.getConversationState();
    assertThat(state.getConversation()).isEqualTo(conversation);
    assertThat(state.getPinned()).isTrue();
    assertThat(state.getMuted()).isTrue();
    assertThat(state.getArchived()).isFalse();
    assertThat(state.getCustom()).isEqualTo("{\"color\":\"teal\"}");
    assertThat(state.getLastSeq()).isEqualTo(1);
    assertThat(state.getLastMessage().getText()).isEqualTo("hi");
    ServerFrame unpinned =
        update(
            a,
            UpdateConversation.newBuilder()
                .setConversation(conversation)
                .setPinned(false)
                .setCustom(""));
    assertThat(unpinned.getConversationState().getPinned()).isFalse();
    assertThat(unpinned.getConversationState().getMuted()).isTrue();
    assertThat(unpinned.getConversationState().getCustom()).isEmpty();
  }

  @Test
  void aSecondDeviceThatWasOfflineGetsTheSettingsWithItsNextSyncAndThePeerDoesNot() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient phone = server.login(alice);
    say(phone, bob, "hello");
    RawClient laptop = server.login(alice, Encoding.PROTO);
    long laptopCursor = sync(laptop, 0).getCursor();
    laptop.close();
    RawClient peer = server.login(bob);
    long peerCursor = sync(peer, 0).getCursor();
    String conversation = direct(alice, bob);

    update(
        phone,
        UpdateConversation.newBuilder()
            .setConversation(conversation)
            .setArchived(true)
            .setPinned(true));

    RawClient laptopAgain = server.login(alice, Encoding.PROTO);
    SyncResult changed = sync(laptopAgain, laptopCursor);
    assertThat(changed.getConversationsList()).hasSize(1);
    ConversationState state = changed.getConversations(0);
    assertThat(state.getConversation()).isEqualTo(conversation);
    assertThat(state.getArchived()).isTrue();
    assertThat(state.getPinned()).isTrue();
    assertThat(sync(peer, peerCursor).getConversationsList()).isEmpty();
  }

  @Test
  void updatingAConversationTheUserIsNotInIsRefusedWithNotMember() {
    String alice = server.newUser();
    String bob = server.newUser();
    String carol = server.newUser();
    server.directory.createGroup(TestGateway.APP, "g-" + bob, "G", bob, List.of());
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);
    say(b, carol, "private");

    for (String other : List.of("g-" + bob, direct(bob, carol))) {
      String conversation = other.startsWith("d:") ? other : "g:" + other;
      ServerFrame refused =
          update(a, UpdateConversation.newBuilder().setConversation(conversation).setPinned(true));
      assertThat(refused.getError().getCode())
          .as(conversation)
          .isEqualTo(ErrorCode.NOT_MEMBER.code());
    }
  }

  @Test
  void badSettingsGetCatalogErrors() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    say(a, bob, "hi");
    String conversation = direct(alice, bob);

    assertThat(
            update(
                    a,
                    UpdateConversation.newBuilder().setConversation(conversation).setCustom("[1]"))
                .getError()
                .getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(
            update(
                    a,
                    UpdateConversation.newBuilder()
                        .setConversation(conversation)
                        .setCustom("{\"k\":\"" + "x".repeat(5000) + "\"}"))
                .getError()
                .getCode())
        .isEqualTo(ErrorCode.LIMIT_EXCEEDED.code());
    assertThat(
            update(a, UpdateConversation.newBuilder().setConversation("r:room").setMuted(true))
                .getError()
                .getCode())
        .isEqualTo(ErrorCode.INVALID_ARGUMENT.code());
    assertThat(
            update(
                    a,
                    UpdateConversation.newBuilder()
                        .setConversation(direct(alice, server.newUser()))
                        .setMuted(true))
                .getError()
                .getCode())
        .isEqualTo(ErrorCode.CONVERSATION_NOT_FOUND.code());
  }
}
