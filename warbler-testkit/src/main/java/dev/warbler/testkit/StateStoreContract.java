package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.directory.UserProfile;
import dev.warbler.core.groups.Group;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.ProfileStore;
import dev.warbler.core.spi.ReceiptStore;
import dev.warbler.core.spi.ReceiptStore.PositionChange;
import dev.warbler.core.spi.Stores;
import dev.warbler.core.spi.UsageStore;
import dev.warbler.core.state.MemberReceipt;
import dev.warbler.protocol.ErrorCode;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ReceiptStore}, {@link ProfileStore} and {@link UsageStore} promises,
 * written once and run against every implementation. A store kind's test extends this class and
 * says how to open its bundle over a directory ({@link #openStores}, see {@link BundleContract}).
 */
public abstract class StateStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final Duration WAIT = Duration.ofSeconds(30);
  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";

  private static final ConversationId ALICE_BOB = ConversationId.direct("alice", "bob");
  private static final ConversationId TEAM = ConversationId.group("team");
  private static final LocalDate DAY = LocalDate.parse("2026-11-02");

  private final AtomicLong ids = new AtomicLong();

  @BeforeEach
  protected final void createAppsAndUsers() {
    for (String app : List.of(APP, OTHER_APP)) {
      stores().directory().createApp(new App(app, app, "secret", 1));
      for (String u : List.of("alice", "bob", "carol", "dave", "erin")) {
        stores().directory().createUser(new User(app, u, u.toUpperCase(java.util.Locale.ROOT), 7));
      }
    }
  }

  private <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void send(String app, ConversationId c, String sender, String text) {
    join(
        stores()
            .messages()
            .append(
                new NewMessage(
                    app,
                    c,
                    "m" + ids.incrementAndGet(),
                    "c" + ids.incrementAndGet(),
                    sender,
                    MessageType.TEXT,
                    text,
                    "",
                    0)));
  }

  private Optional<PositionChange> delivered(String user, ConversationId c, long seq) {
    return join(stores().receipts().markDelivered(APP, user, c, seq));
  }

  // ---- receipts ----------------------------------------------------------------------------

  @Test
  void theDeliveredPositionOnlyRisesAndNeverPassesTheLastSeq() {
    for (int i = 0; i < 3; i++) {
      send(APP, ALICE_BOB, "alice", "m" + i);
    }

    assertThat(delivered("bob", ALICE_BOB, 2)).contains(new PositionChange(0, 2));
    assertThat(delivered("bob", ALICE_BOB, 1)).contains(new PositionChange(2, 2));
    assertThat(delivered("bob", ALICE_BOB, 99)).contains(new PositionChange(2, 3));
    assertThat(delivered("bob", ALICE_BOB, 99).orElseThrow().rose()).isFalse();
    assertThat(stores().receipts().receipts(APP, ALICE_BOB, "", 10))
        .containsExactly(new MemberReceipt("alice", 3, 3), new MemberReceipt("bob", 0, 3));
  }

  @Test
  void readingImpliesDeliveryInEveryReportedPosition() {
    for (int i = 0; i < 4; i++) {
      send(APP, ALICE_BOB, "alice", "m" + i);
    }
    stores().messages().markRead(APP, "bob", ALICE_BOB, 3);

    assertThat(delivered("bob", ALICE_BOB, 2)).contains(new PositionChange(3, 3));
    assertThat(delivered("bob", ALICE_BOB, 4)).contains(new PositionChange(3, 4));
    assertThat(stores().receipts().receipts(APP, ALICE_BOB, "alice", 10))
        .containsExactly(new MemberReceipt("bob", 3, 4));
  }

  @Test
  void onlyMembersHaveADeliveredPosition() {
    send(APP, ALICE_BOB, "alice", "hi");
    GroupFixtures.create(stores().groups(), group("team", "alice"), List.of("alice", "bob"));

    assertThat(delivered("carol", ALICE_BOB, 1)).isEmpty();
    assertThat(delivered("carol", TEAM, 1)).isEmpty();
    assertThat(delivered("alice", ConversationId.direct("alice", "dave"), 1)).isEmpty();
    assertThat(join(stores().receipts().markDelivered(OTHER_APP, "bob", ALICE_BOB, 1))).isEmpty();
  }

  @Test
  void receiptsArePagedByUserIdAndSurviveARestart() throws Exception {
    GroupFixtures.create(
        stores().groups(), group("team", "erin"), List.of("erin", "dave", "carol", "bob", "alice"));
    for (int i = 0; i < 5; i++) {
      send(APP, TEAM, "erin", "m" + i);
    }
    delivered("alice", TEAM, 5);
    stores().messages().markRead(APP, "carol", TEAM, 2);

    reopen();

    List<MemberReceipt> all = new ArrayList<>();
    String after = "";
    List<MemberReceipt> page;
    do {
      page = stores().receipts().receipts(APP, TEAM, after, 2);
      all.addAll(page);
      after = page.isEmpty() ? after : page.getLast().user();
    } while (page.size() == 2);
    assertThat(all)
        .containsExactly(
            new MemberReceipt("alice", 0, 5),
            new MemberReceipt("bob", 0, 0),
            new MemberReceipt("carol", 2, 2),
            new MemberReceipt("dave", 0, 0),
            new MemberReceipt("erin", 5, 5));
  }

  // ---- profiles ----------------------------------------------------------------------------

  @Test
  void aNewUserHasAnEmptyProfileAndAnUpdateKeepsWhatItDoesNotChange() throws Exception {
    UserProfile fresh = stores().profiles().profile(APP, "alice").orElseThrow();
    assertThat(fresh).isEqualTo(new UserProfile(APP, "alice", "ALICE", "", "{}", 7, 0));

    Optional<UserProfile> updated =
        stores()
            .profiles()
            .updateProfile(
                APP, "alice", p -> p.withAvatarUrl("https://cdn/a.png").withCustom("{\"vip\":1}"));
    reopen();

    UserProfile expected =
        new UserProfile(APP, "alice", "ALICE", "https://cdn/a.png", "{\"vip\":1}", 7, 0);
    assertThat(updated).contains(expected);
    assertThat(stores().profiles().profile(APP, "alice")).contains(expected);
    assertThat(stores().profiles().profile(OTHER_APP, "alice").orElseThrow().avatarUrl()).isEmpty();
    assertThat(stores().profiles().updateProfile(APP, "nobody", p -> p.withName("x"))).isEmpty();
    assertThat(stores().profiles().profile(APP, "nobody")).isEmpty();
  }

  @Test
  void aFailingUpdateChangesNothing() {
    assertThatThrownBy(() ->
            stores()
                .profiles()
                .updateProfile(
                    APP,
                    "bob",
                    p -> {
                      throw new WarblerException(ErrorCode.LIMIT_EXCEEDED, "too big");
                    }))
        .isInstanceOf(WarblerException.class)
        .hasMessage("too big");
    assertThat(stores().profiles().profile(APP, "bob").orElseThrow().name()).isEqualTo("BOB");
  }

  @Test
  void profilesAreListedByIdAfterACursorAndPerApp() {
    stores().directory().createUser(new User(OTHER_APP, "zed", "Zed", 1));

    assertThat(stores().profiles().profiles(APP, "", 2))
        .extracting(UserProfile::id)
        .containsExactly("alice", "bob");
    assertThat(stores().profiles().profiles(APP, "bob", 10))
        .extracting(UserProfile::id)
        .containsExactly("carol", "dave", "erin");
    assertThat(stores().profiles().profiles(APP, "erin", 10)).isEmpty();
  }

  @Test
  void lastSeenTimesAreRecordedPerAppAndOnlyForExistingUsers() throws Exception {
    assertThat(join(stores().profiles().recordLastSeen(APP, "alice", 1_000))).isTrue();
    assertThat(join(stores().profiles().recordLastSeen(APP, "alice", 2_000))).isTrue();
    assertThat(join(stores().profiles().recordLastSeen(APP, "ghost", 3_000))).isFalse();
    reopen();

    assertThat(stores().profiles().lastSeen(APP, List.of("alice", "bob", "ghost")))
        .isEqualTo(Map.of("alice", 2_000L));
    assertThat(stores().profiles().lastSeen(OTHER_APP, List.of("alice"))).isEmpty();
    assertThat(stores().profiles().profile(APP, "alice").orElseThrow().lastSeen()).isEqualTo(2_000);
  }

  @Test
  void aDeletedUsersProfileAndLastSeenAreErasedAndNotRecordedAgain() throws Exception {
    stores()
        .profiles()
        .updateProfile(APP, "erin", p -> p.withAvatarUrl("https://cdn.example/e.png"));
    join(stores().profiles().recordLastSeen(APP, "erin", 1_000));

    assertThat(stores().directory().deleteUser(APP, "erin", 2_000)).isTrue();

    assertThat(join(stores().profiles().recordLastSeen(APP, "erin", 3_000))).isFalse();
    reopen();
    assertThat(stores().profiles().profile(APP, "erin")).isEmpty();
    assertThat(stores().profiles().lastSeen(APP, List.of("erin", "dave"))).isEmpty();
    assertThat(stores().profiles().profiles(APP, "", 10))
        .extracting(UserProfile::id)
        .containsExactly("alice", "bob", "carol", "dave");
    assertThat(stores().profiles().updateProfile(APP, "erin", p -> p.withName("Back"))).isEmpty();
    assertThat(stores().profiles().profile(OTHER_APP, "erin")).isPresent();
  }

  @Test
  void lastSeenLooksUpManyUsersAtOnce() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 1_200; i++) {
      many.add("u" + i);
    }
    many.add("carol");
    join(stores().profiles().recordLastSeen(APP, "carol", 5));

    assertThat(stores().profiles().lastSeen(APP, many)).isEqualTo(Map.of("carol", 5L));
  }

  // ---- usage -------------------------------------------------------------------------------

  @Test
  void usageCountsAddUpWhileActiveUsersAndPeaksAreIdempotent() throws Exception {
    UsageStore usage = stores().usage();
    usage.record(
        new UsageStore.Batch(
            List.of(new UsageStore.MessageCount(APP, DAY, 3, 30)),
            List.of(
                new UsageStore.ActiveUser(APP, DAY, "alice"),
                new UsageStore.ActiveUser(APP, DAY, "bob")),
            List.of(new UsageStore.Peak(APP, DAY, 4))));
    usage.record(
        new UsageStore.Batch(
            List.of(
                new UsageStore.MessageCount(APP, DAY, 2, 5),
                new UsageStore.MessageCount(APP, DAY.plusDays(1), 1, 1),
                new UsageStore.MessageCount(OTHER_APP, DAY, 9, 9)),
            List.of(
                new UsageStore.ActiveUser(APP, DAY, "alice"),
                new UsageStore.ActiveUser(APP, DAY.plusDays(1), "alice")),
            List.of(new UsageStore.Peak(APP, DAY, 2), new UsageStore.Peak(APP, DAY, 6))));
    reopen();
    usage = stores().usage();

    assertThat(usage.days(APP, DAY.minusDays(1), DAY.plusDays(5)))
        .containsExactly(
            new UsageStore.Day(DAY, 2, 5, 6), new UsageStore.Day(DAY.plusDays(1), 1, 1, 0));
    assertThat(usage.activeUsers(APP, DAY, DAY.plusDays(1))).isEqualTo(2);
    assertThat(usage.activeUsers(APP, DAY.plusDays(1), DAY.plusDays(1))).isEqualTo(1);
    assertThat(usage.storedBytes(APP)).isEqualTo(36);
    assertThat(usage.storedBytes(OTHER_APP)).isEqualTo(9);
    assertThat(usage.users(APP)).isEqualTo(5);
    assertThat(usage.days("nobody", DAY, DAY)).isEmpty();
  }

  private static Group group(String id, String owner) {
    return new Group(APP, id, id, owner, 1);
  }
}
