package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageLifecycle;
import dev.warbler.protocol.v1.DeleteForMe;
import dev.warbler.protocol.v1.Edit;
import dev.warbler.protocol.v1.Forward;
import dev.warbler.protocol.v1.React;
import dev.warbler.protocol.v1.Recall;
import dev.warbler.protocol.v1.ServerFrame;

/**
 * Message lifecycle requests ({@link MessageLifecycle}): {@code recall}, {@code edit}, {@code
 * react} and {@code forward} → {@code send_ack} once durable (for the first three, of the CHANGE
 * entry, or of the target with duplicate = true when nothing changed); {@code delete_for_me} →
 * {@code deleted_for_me}, also pushed to the user's online devices.
 *
 * <p>Threading: one per gateway, stateless; called on the event loop, never blocks (the work runs
 * on virtual threads through the {@link Request}).
 */
final class LifecycleRequests {
  private final MessageLifecycle lifecycle;

  LifecycleRequests(MessageLifecycle lifecycle) {
    this.lifecycle = lifecycle;
  }

  void recall(Request r, Recall recall) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setSendAck(
                Frames.sendAck(
                    lifecycle
                        .recall(
                            who, ConversationId.parse(recall.getConversation()), recall.getSeq())
                        .join())));
  }

  void edit(Request r, Edit edit) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setSendAck(
                Frames.sendAck(
                    lifecycle
                        .edit(
                            who,
                            ConversationId.parse(edit.getConversation()),
                            edit.getSeq(),
                            edit.getText(),
                            edit.getPayload())
                        .join())));
  }

  void react(Request r, React react) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setSendAck(
                Frames.sendAck(
                    lifecycle
                        .react(
                            who,
                            ConversationId.parse(react.getConversation()),
                            react.getSeq(),
                            react.getEmoji(),
                            react.getRemove())
                        .join())));
  }

  void forward(Request r, Forward forward) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setSendAck(
                Frames.sendAck(lifecycle.forward(who, Frames.forwardRequest(forward)).join())));
  }

  void deleteForMe(Request r, DeleteForMe delete) {
    Principal who = r.who();
    r.async(() ->
        ServerFrame.newBuilder()
            .setDeletedForMe(
                Frames.deletedForMe(
                    lifecycle.deleteForMe(
                        who, ConversationId.parse(delete.getConversation()), delete.getSeq()))));
  }
}
