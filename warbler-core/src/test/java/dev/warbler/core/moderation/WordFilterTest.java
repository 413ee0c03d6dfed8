package dev.warbler.core.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WordFilterTest {
  private static SensitiveWord word(String raw, WordAction action, String category) {
    return new SensitiveWord(TextNormalizer.normalizeWord(raw), action, category, 0);
  }

  @Test
  void masksExactlyTheOriginalCharactersOfASeparatedMatch() {
    WordFilter f = new WordFilter(1, List.of(word("fuck", WordAction.MASK, "abuse")));

    Verdict v = f.check("oh F*u c.k!", '#');

    assertThat(v.text()).isEqualTo("oh #*# #.#!");
    assertThat(v.action()).contains(WordAction.MASK);
    assertThat(v.categories()).containsExactly("abuse");
  }

  @Test
  void masksTraditionalAndFullWidthFormsOnePerCodePoint() {
    WordFilter f = new WordFilter(1, List.of(word("法轮", WordAction.MASK, "")));

    assertThat(f.check("說法 輪😀好", '#').text()).isEqualTo("說# #😀好");
    assertThat(f.check("ＡＢ法輪", '*').text()).isEqualTo("ＡＢ**");
  }

  @Test
  void theStrongestActionWinsAndNamesItsCategoriesOnly() {
    WordFilter f =
        new WordFilter(
            1,
            List.of(
                word("spam", WordAction.MASK, "ads"),
                word("casino", WordAction.REVIEW, "gambling"),
                word("bomb", WordAction.REJECT, "violence")));

    Verdict v = f.check("spam casino bomb", '*');

    assertThat(v.action()).contains(WordAction.REJECT);
    assertThat(v.categories()).containsExactly("violence");
    assertThat(v.words()).isEqualTo(3);
    assertThat(f.check("spam casino", '*').action()).contains(WordAction.REVIEW);
    assertThat(f.check("spam casino", '*').text()).isEqualTo("**** casino");
  }

  @Test
  void overlappingMatchesMaskTheirUnion() {
    WordFilter f =
        new WordFilter(
            1, List.of(word("abc", WordAction.MASK, ""), word("cde", WordAction.MASK, "")));

    assertThat(f.check("xabcdex", '*').text()).isEqualTo("x*****x");
  }

  @Test
  void cleanTextAndTheEmptyFilterPassUnchanged() {
    WordFilter f = new WordFilter(1, List.of(word("bad", WordAction.REJECT, "")));

    assertThat(f.check("all good", '*')).isEqualTo(Verdict.clean("all good"));
    assertThat(WordFilter.EMPTY.check("bad", '*').action()).isEqualTo(Optional.empty());
  }
}
