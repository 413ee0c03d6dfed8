package dev.warbler.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.ServerFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ConnectionTest {
  private final List<ClientFrame> sent = new ArrayList<>();
  private final List<ServerFrame> events = new ArrayList<>();
  private final List<Message> messages = new ArrayList<>();
  private final Connection connection =
      new Connection(
          Duration.ofSeconds(5), (c, m) -> messages.add(m), (c, f) -> events.add(f), c -> {});

  ConnectionTest() {
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

  /** A frame with an empty body of the given field of the {@code body} oneof. */
  private static ServerFrame frame(FieldDescriptor field, String id) {
    ServerFrame.Builder b = ServerFrame.newBuilder().setId(id);
    return b.setField(field, b.newBuilderForField(field).build()).build();
  }

  private static List<FieldDescriptor> bodies() {
    return ServerFrame.getDescriptor().getOneofs().stream()
        .filter(o -> o.getName().equals("body"))
        .findFirst()
        .orElseThrow()
        .getFields();
  }

  @Test
  void every_answer_body_of_every_slice_completes_the_request_it_names() {
    List<String> answered = new ArrayList<>();
    for (FieldDescriptor field : bodies()) {
      ServerFrame.BodyCase body = ServerFrame.BodyCase.forNumber(field.getNumber());
      Connection.Route route = Connection.route(body);
      if (route != Connection.Route.ANSWER && route != Connection.Route.ANSWER_OR_EVENT) {
        continue;
      }
      CompletableFuture<ServerFrame> answer =
          connection.request(ClientFrame.newBuilder().setPing(Ping.getDefaultInstance()));
      String id = sent.get(sent.size() - 1).getId();
      connection.onFrame(frame(field, id));
      assertThat(answer).as(field.getName()).isDone();
      answered.add(field.getName());
    }
    assertThat(answered)
        .contains(
            "send_ack",
            "deleted_for_me",
            "delivery_receipt",
            "typing_event",
            "receipts",
            "presence_list",
            "group_info",
            "group_members",
            "join_requests",
            "group_ack",
            "chatroom_joined",
            "chatroom_left",
            "friend_requests",
            "friends",
            "blocked",
            "contact",
            "conversation_state");
    assertThat(events).isEmpty();
  }

  @Test
  void pushed_bodies_with_an_empty_id_go_to_the_event_handler() {
    for (FieldDescriptor field : bodies()) {
      ServerFrame.BodyCase body = ServerFrame.BodyCase.forNumber(field.getNumber());
      Connection.Route route = Connection.route(body);
      if (route == Connection.Route.EVENT || route == Connection.Route.ANSWER_OR_EVENT) {
        connection.onFrame(frame(field, ""));
      }
    }
    assertThat(events)
        .extracting(ServerFrame::getBodyCase)
        .containsExactlyInAnyOrder(
            ServerFrame.BodyCase.DELETED_FOR_ME,
            ServerFrame.BodyCase.READ_RECEIPT,
            ServerFrame.BodyCase.DELIVERY_RECEIPT,
            ServerFrame.BodyCase.TYPING_EVENT,
            ServerFrame.BodyCase.PRESENCE_EVENT,
            ServerFrame.BodyCase.CHATROOM_MESSAGE,
            ServerFrame.BodyCase.CHATROOM_LEFT,
            ServerFrame.BodyCase.FRIEND_REQUEST_EVENT);
  }
}
