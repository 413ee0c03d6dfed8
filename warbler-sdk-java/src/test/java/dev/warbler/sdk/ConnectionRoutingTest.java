package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.ChatroomJoined;
import dev.warbler.protocol.v1.ChatroomLeft;
import dev.warbler.protocol.v1.ChatroomMessage;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.ConversationState;
import dev.warbler.protocol.v1.DeletedForMe;
import dev.warbler.protocol.v1.DeliveryReceipt;
import dev.warbler.protocol.v1.FriendRequestEvent;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.PresenceEvent;
import dev.warbler.protocol.v1.PresenceList;
import dev.warbler.protocol.v1.ReadReceipt;
import dev.warbler.protocol.v1.Receipts;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.protocol.v1.TypingEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How a connection routes what the server sends: every answer of every slice reaches the request
 * that asked (none is dropped to time out), every push reaches the event handler.
 */
class ConnectionRoutingTest {
  private final List<ClientFrame> sent = new CopyOnWriteArrayList<>();
  private final List<ServerFrame> events = new CopyOnWriteArrayList<>();
  private final Connection connection =
      new Connection(Duration.ofSeconds(5), (c, m) -> {}, (c, f) -> events.add(f), c -> {});

  ConnectionRoutingTest() {
    connection.attach(
        new Transport.Link() {
          @Override
          public void send(ClientFrame frame) {
            sent.add(frame);
          }

          @Override
          public void close(int code, String reason) {}

          @Override
          public void abort() {}
        });
  }

  /** Sends a request and answers it with {@code body}; returns what the caller got. */
  private ServerFrame answered(ServerFrame.Builder body) throws Exception {
    CompletableFuture<ServerFrame> answer =
        connection.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()));
    String id = sent.get(sent.size() - 1).getId();
    connection.onFrame(body.setId(id).build());
    return answer.get(1, TimeUnit.SECONDS);
  }

  @Test
  void answersOfEverySliceCompleteTheirRequest() throws Exception {
    List<ServerFrame.Builder> answers =
        List.of(
            ServerFrame.newBuilder().setDeletedForMe(DeletedForMe.getDefaultInstance()),
            ServerFrame.newBuilder().setReceipts(Receipts.getDefaultInstance()),
            ServerFrame.newBuilder().setPresenceList(PresenceList.getDefaultInstance()),
            ServerFrame.newBuilder().setDeliveryReceipt(DeliveryReceipt.getDefaultInstance()),
            ServerFrame.newBuilder().setTypingEvent(TypingEvent.getDefaultInstance()),
            ServerFrame.newBuilder().setChatroomJoined(ChatroomJoined.getDefaultInstance()),
            ServerFrame.newBuilder().setChatroomLeft(ChatroomLeft.getDefaultInstance()),
            ServerFrame.newBuilder().setConversationState(ConversationState.getDefaultInstance()),
            // A frame of a type this SDK does not know (no body it can read).
            ServerFrame.newBuilder());
    for (ServerFrame.Builder body : answers) {
      assertThat(answered(body).getBodyCase()).isEqualTo(body.getBodyCase());
    }
    assertThat(events).isEmpty();
  }

  @Test
  void pushesOfEverySliceGoToTheEventHandler() {
    List<ServerFrame> pushes =
        List.of(
            ServerFrame.newBuilder().setReadReceipt(ReadReceipt.getDefaultInstance()).build(),
            ServerFrame.newBuilder()
                .setDeliveryReceipt(DeliveryReceipt.getDefaultInstance())
                .build(),
            ServerFrame.newBuilder().setTypingEvent(TypingEvent.getDefaultInstance()).build(),
            ServerFrame.newBuilder().setPresenceEvent(PresenceEvent.getDefaultInstance()).build(),
            ServerFrame.newBuilder().setDeletedForMe(DeletedForMe.getDefaultInstance()).build(),
            ServerFrame.newBuilder()
                .setChatroomMessage(ChatroomMessage.getDefaultInstance())
                .build(),
            ServerFrame.newBuilder().setChatroomLeft(ChatroomLeft.getDefaultInstance()).build(),
            ServerFrame.newBuilder()
                .setFriendRequestEvent(FriendRequestEvent.getDefaultInstance())
                .build());

    pushes.forEach(connection::onFrame);

    assertThat(events).containsExactlyElementsOf(pushes);
  }
}
