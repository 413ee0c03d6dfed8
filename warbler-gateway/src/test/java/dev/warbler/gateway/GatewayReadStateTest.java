package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.MarkRead;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.ReadState;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.Sync;
import dev.warbler.protocol.v1.UpdateConversation;
import dev.warbler.testkit.RawClient;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The answer to mark_read (which goes through receipts) tells what sync tells: unread counted by
 * the message lifecycle's rule, the mention flag, and the user's conversation settings.
 */
class GatewayReadStateTest {
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
    ServerFrame answer = c.request(frame.setId("s" + ids.incrementAndGet()).build());
    assertThat(answer.hasError()).as(answer.toString()).isFalse();
    return answer;
  }

  private static long send(RawClient c, String conversation, String text, String... mentions) {
    return call(
            c,
            ClientFrame.newBuilder()
                .setSend(
                    Send.newBuilder()
                        .setClientMsgId("m" + ids.incrementAndGet())
                        .setConversation(conversation)
                        .setText(text)
                        .addAllMentions(java.util.List.of(mentions))))
        .getSendAck()
        .getSeq();
  }

  private static void react(RawClient c, String conversation, long seq) {
    call(
        c,
        ClientFrame.newBuilder()
            .setReact(React.newBuilder().setConversation(conversation).setSeq(seq).setEmoji("👍")));
  }

  private static ReadState markRead(RawClient c, String conversation, long seq) {
    return call(
            c,
            ClientFrame.newBuilder()
                .setMarkRead(MarkRead.newBuilder().setConversation(conversation).setSeq(seq)))
        .getReadState();
  }

  private static ConversationState synced(RawClient c, String conversation) {
    return call(c, ClientFrame.newBuilder().setSync(Sync.newBuilder().setCursor(0)))
        .getSyncResult()
        .getConversationsList()
        .stream()
        .filter(s -> s.getConversation().equals(conversation))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theReadAnswerCountsUnreadLikeSyncAndCarriesTheMentionAndTheSettings() {
    String alice = server.newUser();
    String bob = server.newUser();
    String conversation =
        alice.compareTo(bob) < 0 ? "d:" + alice + ":" + bob : "d:" + bob + ":" + alice;
    RawClient a = server.login(alice);
    RawClient b = server.login(bob);
    send(a, conversation, "mine"); // 1: alice's own, read by sending
    long first = send(b, conversation, "one"); // 2
    send(b, conversation, "see this", alice); // 3: mentions alice
    react(b, conversation, first); // 4: a CHANGE entry
    call(
        a,
        ClientFrame.newBuilder()
            .setUpdateConversation(
                UpdateConversation.newBuilder()
                    .setConversation(conversation)
                    .setPinned(true)
                    .setCustom("{\"color\":\"teal\"}")));

    ReadState partly = markRead(a, conversation, first);

    assertThat(partly.getReadSeq()).isEqualTo(2);
    // Seq 3 only: seq 4 is a CHANGE entry, not a message to read.
    assertThat(partly.getUnread()).isEqualTo(1);
    assertThat(partly.getMentioned()).isTrue();
    assertThat(partly.getPinned()).isTrue();
    assertThat(partly.getMuted()).isFalse();
    assertThat(partly.getCustom()).isEqualTo("{\"color\":\"teal\"}");
    ConversationState state = synced(a, conversation);
    assertThat(state.getUnread()).isEqualTo(partly.getUnread());
    assertThat(state.getMentioned()).isEqualTo(partly.getMentioned());
    assertThat(state.getPinned()).isEqualTo(partly.getPinned());

    ReadState all = markRead(a, conversation, 4);

    assertThat(all.getReadSeq()).isEqualTo(4);
    assertThat(all.getUnread()).isZero();
    assertThat(all.getMentioned()).isFalse();
    assertThat(all.getPinned()).isTrue();
  }
}
