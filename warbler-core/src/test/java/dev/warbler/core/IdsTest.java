package dev.warbler.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdsTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "alice",
        "A-Z_a.z@0-9",
        "x23456789012345678901234567890123456789012345678901234567890123"
      })
  void idsOfTheAllowedCharactersAndLengthAreValid(String id) {
    assertThat(id.length()).isLessThanOrEqualTo(64);
    assertThat(Ids.valid(id)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a:b", "a b", "ä", "a/b", "a\u0000", "<script>"})
  void anythingElseIsInvalid(String id) {
    assertThat(Ids.valid(id)).isFalse();
    assertThatThrownBy(() -> Ids.require("user", id))
        .isInstanceOf(WarblerException.class)
        .hasMessageContaining("user must be 1-64 characters");
  }

  @Test
  void sixtyFourCharactersAreTheLimit() {
    assertThat(Ids.valid("x".repeat(64))).isTrue();
    assertThat(Ids.valid("x".repeat(65))).isFalse();
  }

  @Test
  void clientMessageIdsAreOneTo64CharactersFrom0x21To0x7e() {
    assertThat(Ids.requireClientMsgId("c-1:{x}")).isEqualTo("c-1:{x}");
    assertThat(Ids.requireClientMsgId("!~")).as("0x21 and 0x7E").isEqualTo("!~");
    assertThat(Ids.requireClientMsgId("x".repeat(64))).hasSize(64);
    for (String bad : new String[] {"", "a b", " ", "é", "x".repeat(65), "tab\t", "del\u007f"}) {
      assertThatThrownBy(() -> Ids.requireClientMsgId(bad))
          .isInstanceOf(WarblerException.class)
          .hasMessageStartingWith(
              "clientMsgId must be 1-64 characters of 0x21-0x7E (printable ASCII, no space)");
    }
  }
}
