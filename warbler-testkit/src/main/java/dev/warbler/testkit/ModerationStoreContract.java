package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.moderation.ModerationSettings;
import dev.warbler.core.moderation.ReviewItem;
import dev.warbler.core.moderation.ReviewStatus;
import dev.warbler.core.moderation.SensitiveWord;
import dev.warbler.core.moderation.WordAction;
import dev.warbler.core.spi.ModerationStore;
import dev.warbler.core.spi.ModerationStore.Change;
import dev.warbler.core.spi.Stores;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ModerationStore} promises: word lists, settings and review items are
 * durable and per app, every change advances the app's version, the per-app limit writes nothing
 * when it would be passed, and a review item is decided once.
 */
public abstract class ModerationStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";

  private static SensitiveWord word(String w, WordAction action, String category) {
    return new SensitiveWord(w, action, category, 7);
  }

  private ModerationStore store() {
    return stores().moderation();
  }

  @Test
  void wordsAndSettingsSurviveAReopenAndEveryChangeAdvancesTheVersion() throws Exception {
    assertThat(store().versions()).isEmpty();
    assertThat(store().settings(APP)).isEqualTo(ModerationSettings.DEFAULTS);

    Change added =
        store()
            .addWords(
                APP,
                List.of(
                    word("赌博", WordAction.REJECT, "gambling"), word("spam", WordAction.MASK, "")),
                10);
    assertThat(added).isEqualTo(new Change(2, 1, 2));
    long v = store().putSettings(APP, new ModerationSettings(false, WordAction.REVIEW));
    assertThat(v).isEqualTo(2);

    reopen();

    assertThat(store().versions()).containsExactly(java.util.Map.entry(APP, 2L));
    assertThat(store().settings(APP)).isEqualTo(new ModerationSettings(false, WordAction.REVIEW));
    assertThat(store().allWords(APP))
        .containsExactly(
            word("spam", WordAction.MASK, ""), word("赌博", WordAction.REJECT, "gambling"));
    assertThat(store().allWords(OTHER_APP)).isEmpty();
    assertThat(store().settings(OTHER_APP)).isEqualTo(ModerationSettings.DEFAULTS);
  }

  @Test
  void addingReplacesAWordAndTheAppLimitWritesNothingWhenPassed() {
    store().addWords(APP, List.of(word("a1", WordAction.MASK, "")), 2);

    Change replaced = store().addWords(APP, List.of(word("a1", WordAction.REJECT, "x")), 2);
    Change refused =
        store()
            .addWords(
                APP, List.of(word("b1", WordAction.MASK, ""), word("c1", WordAction.MASK, "")), 2);

    assertThat(replaced).isEqualTo(new Change(1, 2, 1));
    assertThat(refused.changed()).isEqualTo(-1);
    assertThat(refused.total()).isEqualTo(3);
    assertThat(store().allWords(APP)).containsExactly(word("a1", WordAction.REJECT, "x"));
    assertThat(store().versions()).containsEntry(APP, 2L);
  }

  @Test
  void pagesFilterByPrefixAndCategoryAndDeleteAndReplaceWork() {
    store()
        .addWords(
            APP,
            List.of(
                word("abc", WordAction.MASK, "c1"),
                word("abd", WordAction.MASK, "c2"),
                word("abe", WordAction.MASK, "c1"),
                word("xyz", WordAction.MASK, "c1")),
            100);

    assertThat(store().words(APP, "", "ab", "", 2))
        .extracting(SensitiveWord::word)
        .containsExactly("abc", "abd");
    assertThat(store().words(APP, "abd", "ab", "", 2))
        .extracting(SensitiveWord::word)
        .containsExactly("abe");
    assertThat(store().words(APP, "", "", "c1", 10))
        .extracting(SensitiveWord::word)
        .containsExactly("abc", "abe", "xyz");
    assertThat(store().words(OTHER_APP, "", "", "", 10)).isEmpty();

    assertThat(store().deleteWords(APP, List.of("abc", "nope")).changed()).isEqualTo(1);
    Change replaced = store().replaceWords(APP, List.of(word("new", WordAction.REVIEW, "")));

    assertThat(replaced.total()).isEqualTo(1);
    assertThat(store().allWords(APP)).extracting(SensitiveWord::word).containsExactly("new");
    assertThat(store().replaceWords(APP, List.of()).total()).isZero();
    assertThat(store().allWords(APP)).isEmpty();
  }

  @Test
  void deletingAUserErasesTheReviewItemsOfItsMessagesOnly() {
    ConversationId g = ConversationId.group("class-7b");
    stores().directory().createUser(new dev.warbler.core.directory.User(APP, "zed", "Zed", 1));
    for (String[] r :
        new String[][] {{APP, "m1", "zed"}, {APP, "m2", "amy"}, {OTHER_APP, "m3", "zed"}}) {
      store()
          .addReview(
              new ReviewItem(r[0], r[1], g, 1, r[2], List.of(), ReviewStatus.PENDING, 1, 0, ""));
    }

    assertThat(stores().directory().deleteUser(APP, "zed", 5)).isTrue();

    assertThat(store().reviews(APP, ReviewStatus.PENDING, "", 10))
        .extracting(ReviewItem::id)
        .containsExactly("m2");
    assertThat(store().review(OTHER_APP, "m3")).isPresent();
  }

  @Test
  void aReviewItemIsQueuedOncePerMessageAndDecidedOnce() throws Exception {
    ConversationId g = ConversationId.group("class-7b");
    ReviewItem item =
        new ReviewItem(
            APP, "m-001", g, 5, "amy", List.of("ads", "gambling"), ReviewStatus.PENDING, 10, 0, "");
    store().addReview(item);
    store().addReview(item);
    store()
        .addReview(
            new ReviewItem(APP, "m-002", g, 6, "bob", List.of(), ReviewStatus.PENDING, 11, 0, ""));
    store()
        .addReview(
            new ReviewItem(
                OTHER_APP, "m-003", g, 1, "amy", List.of(), ReviewStatus.PENDING, 12, 0, ""));

    reopen();

    assertThat(store().reviews(APP, ReviewStatus.PENDING, "", 10))
        .extracting(ReviewItem::id)
        .containsExactly("m-001", "m-002");
    assertThat(store().reviews(APP, ReviewStatus.PENDING, "m-001", 10))
        .extracting(ReviewItem::id)
        .containsExactly("m-002");
    assertThat(store().review(APP, "m-001")).contains(item);
    assertThat(store().review(APP, "m-003")).isEmpty();

    assertThat(store().decide(APP, "m-001", ReviewStatus.REJECTED, 20, "app:acme")).isTrue();
    assertThat(store().decide(APP, "m-001", ReviewStatus.APPROVED, 21, "app:acme")).isFalse();
    assertThat(store().decide(APP, "m-003", ReviewStatus.APPROVED, 21, "app:acme")).isFalse();

    assertThat(store().reviews(APP, ReviewStatus.PENDING, "", 10))
        .extracting(ReviewItem::id)
        .containsExactly("m-002");
    assertThat(store().reviews(APP, ReviewStatus.REJECTED, "", 10))
        .containsExactly(
            new ReviewItem(
                APP,
                "m-001",
                g,
                5,
                "amy",
                List.of("ads", "gambling"),
                ReviewStatus.REJECTED,
                10,
                20,
                "app:acme"));
  }
}
