package dev.warbler.core.moderation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.moderation.WordMatcher.Match;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordMatcherTest {

  @Test
  void findsOverlappingWordsTheClassicExample() {
    WordMatcher m = new WordMatcher(List.of("he", "she", "his", "hers"));

    assertThat(m.findAll("ushers"))
        .containsExactly(new Match(1, 1, 4), new Match(0, 2, 4), new Match(3, 2, 6));
  }

  @Test
  void findsNestedWordsLongestFirstAtOneEnd() {
    WordMatcher m = new WordMatcher(List.of("b", "abc", "bc", "c"));

    assertThat(m.findAll("abcd"))
        .containsExactly(
            new Match(0, 1, 2), new Match(1, 0, 3), new Match(2, 1, 3), new Match(3, 2, 3));
  }

  @Test
  void findsRepeatedAndSelfOverlappingOccurrences() {
    WordMatcher m = new WordMatcher(List.of("aa"));

    assertThat(m.findAll("aaaa")).extracting(Match::start).containsExactly(0, 1, 2);
  }

  @Test
  void followsFailLinksAcrossAFailedLongerWord() {
    WordMatcher m = new WordMatcher(List.of("abcd", "bce"));

    assertThat(m.findAll("abce")).containsExactly(new Match(1, 1, 4));
  }

  @Test
  void matchesChineseWords() {
    WordMatcher m = new WordMatcher(List.of("法轮", "轮功", "赌博"));

    assertThat(m.findAll("这是法轮功的赌博网站"))
        .containsExactly(new Match(0, 2, 4), new Match(1, 3, 5), new Match(2, 6, 8));
  }

  @Test
  void anEmptyListOrAnEmptyWordMatchesNothing() {
    assertThat(new WordMatcher(List.of()).findAll("anything")).isEmpty();
    assertThat(new WordMatcher(List.of("")).findAll("anything")).isEmpty();
  }

  @Test
  void aDuplicateWordReportsItsFirstIndexOnce() {
    WordMatcher m = new WordMatcher(List.of("x", "x"));

    assertThat(m.findAll("x")).containsExactly(new Match(0, 0, 1));
  }

  @Test
  void tenThousandWordsStillFindEachOfThem() {
    List<String> words = new java.util.ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      words.add("w" + i + "z");
    }
    WordMatcher m = new WordMatcher(words);

    assertThat(m.findAll("xx w42z yy w9999z")).extracting(Match::word).containsExactly(42, 9999);
  }
}
