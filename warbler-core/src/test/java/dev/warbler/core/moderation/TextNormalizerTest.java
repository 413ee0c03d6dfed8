package dev.warbler.core.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {

  @Test
  void foldsCaseAndFullWidthToHalfWidth() {
    assertThat(TextNormalizer.normalizeWord("ＢＡＤ Word")).isEqualTo("badword");
    assertThat(TextNormalizer.normalizeWord("①②ｘ")).isEqualTo("12x");
  }

  @Test
  void mapsTraditionalToSimplifiedChinese() {
    assertThat(TextNormalizer.normalizeWord("法輪功")).isEqualTo("法轮功");
    assertThat(TextNormalizer.normalizeWord("臺灣")).isEqualTo("台湾");
    assertThat(TextNormalizer.normalizeWord("简体不变")).isEqualTo("简体不变");
  }

  @Test
  void skipsSeparatorsBetweenCharacters() {
    assertThat(TextNormalizer.normalizeWord("f*u c.k")).isEqualTo("fuck");
    assertThat(TextNormalizer.normalizeWord("法 轮")).isEqualTo("法轮");
    assertThat(TextNormalizer.normalizeWord("法\u200b轮·功_x-y")).isEqualTo("法轮功xy");
    assertThat(TextNormalizer.normalizeWord("法😀轮")).isEqualTo("法轮");
    assertThat(TextNormalizer.normalizeWord("*** ... ___")).isEmpty();
  }

  @Test
  void everyNormalisedCharMapsBackToTheOriginalCharsItCameFrom() {
    String original = "Ａ-b😀c\uD835\uDC9Ci"; // full-width A, emoji, mathematical script A (a pair)
    TextNormalizer.Normalized n = TextNormalizer.normalize(original);

    assertThat(n.text()).isEqualTo("abcai");
    assertThat(n.from()).startsWith(0, 2, 5, 6, 8);
    assertThat(n.to()).startsWith(1, 3, 6, 8, 9);
  }

  @Test
  void anUnpairedSurrogateIsASeparatorInTextAndIsDetected() {
    String broken = "a\uD800b";

    assertThat(TextNormalizer.normalizeWord(broken)).isEqualTo("ab");
    assertThat(TextNormalizer.hasUnpairedSurrogate(broken)).isTrue();
    assertThat(TextNormalizer.hasUnpairedSurrogate("a😀b")).isFalse();
    assertThat(TextNormalizer.hasUnpairedSurrogate("\uDC00")).isTrue();
  }
}
