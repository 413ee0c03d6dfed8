package dev.warbler.core.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConversationIdTest {
  @Test
  void directIdsAreTheSameWhicheverUserStarts() {
    assertThat(ConversationId.direct("bob", "alice"))
        .isEqualTo(ConversationId.direct("alice", "bob"));
    assertThat(ConversationId.direct("bob", "alice").toString()).isEqualTo("d:alice:bob");
    assertThat(ConversationId.direct("bob", "alice").peerOf("bob")).isEqualTo("alice");
  }

  @Test
  void publicFormsParseBack() {
    for (String s : new String[] {"d:alice:bob", "g:class-7b", "s:alice", "r:live-42"}) {
      assertThat(ConversationId.parse(s).toString()).isEqualTo(s);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "d:bob:alice",
        "d:alice:alice",
        "x:alice",
        "g:",
        "g:a:b",
        "d:alice",
        "g:bad id",
        "s:a/b",
        "r:",
        "r:a:b"
      })
  void malformedIdsAreInvalidArguments(String s) {
    assertThat(ConversationId.tryParse(s)).isEmpty();
    assertThatThrownBy(() -> ConversationId.parse(s))
        .isInstanceOf(WarblerException.class)
        .hasMessageContaining("conversation must look like");
  }

  @Test
  void aChatroomIdHasNoImpliedMembers() {
    ConversationId room = ConversationId.room("live-42");
    assertThat(room.kind()).isEqualTo(ConversationId.Kind.ROOM);
    assertThat(room.impliedMembers()).isEmpty();
  }

  @Test
  void aUserCannotHaveADirectConversationWithItself() {
    assertThatThrownBy(() -> ConversationId.direct("alice", "alice"))
        .isInstanceOf(WarblerException.class);
  }
}
