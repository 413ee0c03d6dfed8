package dev.warbler.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.warbler.core.Ids;
import dev.warbler.core.WarblerException;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.protocol.Decoded;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.GroupCommand;
import dev.warbler.protocol.v1.ServerFrame;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for what the gateway does with a client's bytes before any store is touched: the
 * decode, the error frame for undecodable input, and the mapping of each request's fields to core
 * values ({@link Frames}, {@link GroupFrames}, {@link SocialFrames}, {@link ConversationId#parse}),
 * as the request handlers ({@link Requests}) call them. Inputs replayed by every build: {@code
 * src/test/resources/dev/warbler/gateway/FrameRequestFuzzTestInputs/<method>/}.
 *
 * <p>The contract: a bad field is a {@link WarblerException} (answered as an {@code error} frame,
 * connection kept); any other exception would reach the client as INTERNAL.
 */
class FrameRequestFuzzTest {

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void jsonRequests(byte[] wire) {
    request(Encoding.JSON, wire);
  }

  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void protoRequests(byte[] wire) {
    request(Encoding.PROTO, wire);
  }

  private static void request(Encoding encoding, byte[] wire) {
    switch (encoding.codec().decodeClient(wire)) {
      case Decoded.Malformed m -> {
        ServerFrame error = Frames.error(m.requestId(), ErrorCode.MALFORMED_FRAME, m.reason(), 0);
        assertThat(encoding.codec().decodeServer(encoding.codec().encodeServer(error)))
            .isEqualTo(error);
      }
      case Decoded.Invalid i -> {
        ServerFrame error = Frames.error(i.requestId(), ErrorCode.INVALID_ARGUMENT, i.reason(), 0);
        assertThat(encoding.codec().decodeServer(encoding.codec().encodeServer(error)).getId())
            .isEqualTo(i.requestId());
      }
      case Decoded.Frame f -> {
        ClientFrame frame = f.frame();
        if (frame.getId().length() > Ids.MAX_ID_LENGTH) {
          return; // answered INVALID_ARGUMENT before the body is looked at
        }
        try {
          mapFields(frame);
        } catch (WarblerException e) {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          ServerFrame error = Frames.error(frame.getId(), e);
          assertThat(encoding.codec().encodeServer(error)).isNotEmpty();
        }
      }
    }
  }

  /** The field conversions the request handlers apply to each request before calling the core. */
  private static void mapFields(ClientFrame frame) {
    switch (frame.getBodyCase()) {
      case SEND -> Frames.sendRequest(frame.getSend());
      case FORWARD -> Frames.forwardRequest(frame.getForward());
      case PULL -> ConversationId.parse(frame.getPull().getConversation());
      case HISTORY -> ConversationId.parse(frame.getHistory().getConversation());
      case MARK_READ -> ConversationId.parse(frame.getMarkRead().getConversation());
      case DELIVERED -> ConversationId.parse(frame.getDelivered().getConversation());
      case GET_RECEIPTS -> ConversationId.parse(frame.getGetReceipts().getConversation());
      case RECALL -> ConversationId.parse(frame.getRecall().getConversation());
      case EDIT -> ConversationId.parse(frame.getEdit().getConversation());
      case DELETE_FOR_ME -> ConversationId.parse(frame.getDeleteForMe().getConversation());
      case REACT -> ConversationId.parse(frame.getReact().getConversation());
      case TYPING -> ConversationId.parse(frame.getTyping().getConversation());
      case UPDATE_CONVERSATION -> {
        ConversationId.parse(frame.getUpdateConversation().getConversation());
        SocialFrames.change(frame.getUpdateConversation());
      }
      case GROUP_COMMAND -> groupCommand(frame.getGroupCommand());
      default -> {
        // Ids of the remaining requests are checked by the core services.
      }
    }
  }

  private static void groupCommand(GroupCommand command) {
    Ids.require("group", command.getGroup());
    switch (command.getOpCase()) {
      case CREATE -> GroupFrames.profile(command.getCreate());
      case UPDATE -> GroupFrames.update(command.getUpdate());
      case SET_ROLE -> GroupFrames.coreRole(command.getSetRole().getRole());
      default -> {
        // The other operations pass ids and numbers straight to GroupAdmin.
      }
    }
  }
}
