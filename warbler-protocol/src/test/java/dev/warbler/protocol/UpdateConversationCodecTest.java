package dev.warbler.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.UpdateConversation;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The optional fields of update_conversation keep "set to false" apart from "not set". */
class UpdateConversationCodecTest {
  private static final ClientFrame UNPIN =
      ClientFrame.newBuilder()
          .setId("1")
          .setUpdateConversation(
              UpdateConversation.newBuilder().setConversation("d:alice:bob").setPinned(false))
          .build();

  @ParameterizedTest
  @EnumSource(Encoding.class)
  void aSettingExplicitlyTurnedOffSurvivesAndAnAbsentOneStaysAbsent(Encoding encoding) {
    Decoded decoded = encoding.codec().decodeClient(encoding.codec().encodeClient(UNPIN));

    UpdateConversation update = ((Decoded.Frame) decoded).frame().getUpdateConversation();
    assertThat(update.hasPinned()).isTrue();
    assertThat(update.getPinned()).isFalse();
    assertThat(update.hasMuted()).isFalse();
    assertThat(update.hasCustom()).isFalse();
  }

  @Test
  void theJsonFormShowsTheFalseSettingAndOmitsTheAbsentOnes() {
    String json = new String(Encoding.JSON.codec().encodeClient(UNPIN), StandardCharsets.UTF_8);

    assertThat(json)
        .isEqualTo(
            "{\"id\":\"1\",\"updateConversation\":{\"conversation\":\"d:alice:bob\",\"pinned\":false}}");
  }
}
