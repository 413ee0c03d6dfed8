package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.messaging.LifecycleLimits;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Error;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.MessageType;
import dev.warbler.protocol.v1.Pull;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.FakeClock;
import dev.warbler.testkit.RawClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recall, edit and react over a real gateway whose clock the test moves: the time windows and the
 * checks that answer a lifecycle frame before it reaches the store.
 */
class GatewayLifecycleTest {
  private static final FakeClock clock = new FakeClock();
  private static final AtomicInteger ids = new AtomicInteger();
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server =
        new TestGateway(GatewayConfig.defaults(), clock, new LifecycleLimits(120, 3_600, 50, 3));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String id() {
    return "r" + ids.incrementAndGet();
  }

  private static SendAck send(RawClient c, String toUser, String text) {
    ServerFrame answer =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setSend(Send.newBuilder().setClientMsgId(id()).setUser(toUser).setText(text))
                .build());
    assertThat(answer.hasSendAck()).as(answer.toString()).isTrue();
    return answer.getSendAck();
  }

  private static ServerFrame recall(RawClient c, String conversation, long seq) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setRecall(Recall.newBuilder().setConversation(conversation).setSeq(seq))
            .build());
  }

  private static ServerFrame edit(RawClient c, String conversation, long seq, String text) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setEdit(Edit.newBuilder().setConversation(conversation).setSeq(seq).setText(text))
            .build());
  }

  private static ServerFrame react(RawClient c, String conversation, long seq, String emoji) {
    return c.request(
        ClientFrame.newBuilder()
            .setId(id())
            .setReact(React.newBuilder().setConversation(conversation).setSeq(seq).setEmoji(emoji))
            .build());
  }

  private static Error error(ServerFrame answer) {
    assertThat(answer.hasError()).as(answer.toString()).isTrue();
    return answer.getError();
  }

  private static Message pulled(RawClient c, String conversation, long seq) {
    ServerFrame page =
        c.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setPull(Pull.newBuilder().setConversation(conversation).setAfterSeq(seq - 1))
                .build());
    return page.getMessages().getMessages(0);
  }

  @Test
  void theSenderRecallsWithinTheWindowAndEveryDeviceGetsTheChangeEntry() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice, Encoding.PROTO);
    RawClient b = server.login(bob, Encoding.JSON);
    SendAck sent = send(a, bob, "oops");
    b.await(ServerFrame::hasMessage, WAIT);
    clock.advance(Duration.ofSeconds(119));

    ServerFrame answer = recall(a, sent.getConversation(), sent.getSeq());

    assertThat(answer.getSendAck().getSeq()).isEqualTo(sent.getSeq() + 1);
    assertThat(answer.getSendAck().getDuplicate()).isFalse();
    Message change = b.await(f -> f.hasMessage() && f.getMessage().hasChange(), WAIT).getMessage();
    assertThat(change.getType()).isEqualTo(MessageType.CHANGE);
    assertThat(change.getFrom()).isEqualTo(alice);
    assertThat(change.getChange().getTargetSeq()).isEqualTo(sent.getSeq());
    assertThat(change.getChange().hasRecall()).isTrue();
    Message target = pulled(b, sent.getConversation(), sent.getSeq());
    assertThat(target.getRecalled()).isTrue();
    assertThat(target.getText()).isEmpty();
    assertThat(recall(a, sent.getConversation(), sent.getSeq()).getSendAck().getDuplicate())
        .as("a second recall changes nothing")
        .isTrue();
  }

  @Test
  void aRecallAfterTheWindowIsForbiddenForTheSenderButNotForTheGroupOwner() {
    String owner = server.newUser();
    String member = server.newUser();
    String group = "g" + id();
    server.directory.createGroup(TestGateway.APP, group, "", owner, List.of(member));
    RawClient m = server.login(member);
    RawClient o = server.login(owner);
    ServerFrame sent =
        m.request(
            ClientFrame.newBuilder()
                .setId(id())
                .setSend(Send.newBuilder().setClientMsgId(id()).setGroup(group).setText("late"))
                .build());
    String conversation = sent.getSendAck().getConversation();
    long seq = sent.getSendAck().getSeq();
    clock.advance(Duration.ofSeconds(120));

    Error refused = error(recall(m, conversation, seq));
    ServerFrame byOwner = recall(o, conversation, seq);

    assertThat(refused.getName()).isEqualTo("FORBIDDEN");
    assertThat(refused.getMessage()).contains("recall window").contains("120");
    assertThat(byOwner.hasSendAck()).as(byOwner.toString()).isTrue();
    assertThat(pulled(m, conversation, seq).getRecalled()).isTrue();
  }

  @Test
  void anEditAfterTheEditWindowIsForbiddenAndOneBeforeItSetsTheEditTime() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    SendAck first = send(a, bob, "frist");
    clock.advance(Duration.ofSeconds(3_599));

    ServerFrame edited = edit(a, first.getConversation(), first.getSeq(), "first");
    long editedAt = clock.millis();
    clock.advance(Duration.ofSeconds(1));
    Error late = error(edit(a, first.getConversation(), first.getSeq(), "first!"));

    assertThat(edited.hasSendAck()).as(edited.toString()).isTrue();
    assertThat(late.getName()).isEqualTo("FORBIDDEN");
    assertThat(late.getMessage()).contains("edit window");
    Message now = pulled(a, first.getConversation(), first.getSeq());
    assertThat(now.getText()).isEqualTo("first");
    assertThat(now.getEditedAt()).isEqualTo(editedAt);
  }

  @Test
  void badEmojiAndMissingTargetsAreRefusedWithTheirCatalogCodes() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    SendAck sent = send(a, bob, "react to me");
    String c = sent.getConversation();

    assertThat(error(react(a, c, sent.getSeq(), "")).getName()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error(react(a, c, sent.getSeq(), "👍 ")).getName()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error(react(a, c, sent.getSeq(), "x".repeat(33))).getName())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(error(react(a, c, 99, "👍")).getName()).isEqualTo("MESSAGE_NOT_FOUND");
    assertThat(error(react(a, c, 0, "👍")).getName()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error(recall(a, "nonsense", 1)).getName()).isEqualTo("INVALID_ARGUMENT");
    SendAck entry = react(a, c, sent.getSeq(), "👍").getSendAck();
    assertThat(error(recall(a, c, entry.getSeq())).getName()).isEqualTo("INVALID_ARGUMENT");
    assertThat(error(edit(a, c, sent.getSeq(), " ")).getName()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void aFourthKindOfReactionPassesTheConfiguredLimit() {
    String alice = server.newUser();
    String bob = server.newUser();
    RawClient a = server.login(alice);
    SendAck sent = send(a, bob, "pick one");
    String c = sent.getConversation();
    for (String emoji : List.of("1", "2", "3")) {
      assertThat(react(a, c, sent.getSeq(), emoji).hasSendAck()).isTrue();
    }

    Error refused = error(react(a, c, sent.getSeq(), "4"));

    assertThat(refused.getName()).isEqualTo("LIMIT_EXCEEDED");
    assertThat(refused.getMessage()).contains("limits.max-reaction-kinds");
  }
}
