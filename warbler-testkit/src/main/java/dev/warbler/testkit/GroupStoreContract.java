package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.User;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.GroupRole;
import dev.warbler.core.groups.GroupUpdate;
import dev.warbler.core.groups.InvitePolicy;
import dev.warbler.core.groups.JoinPolicy;
import dev.warbler.core.groups.JoinRequest;
import dev.warbler.core.groups.Membership;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.messaging.ConversationId;
import dev.warbler.core.messaging.ConversationState;
import dev.warbler.core.messaging.MessageType;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Stores;
import dev.warbler.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link GroupStore} promises (see its javadoc), written once and run against
 * every implementation, together with the message and directory stores it shares a database with.
 */
public abstract class GroupStoreContract<S extends Stores> extends BundleContract<S> {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String APP = "acme";
  private static final String TEAM = "team";
  private static final ConversationId TEAM_CONV = ConversationId.group(TEAM);

  private final AtomicLong ids = new AtomicLong();

  private GroupStore groups() {
    return stores().groups();
  }

  // ---- create ------------------------------------------------------------------------------

  @Test
  void createStoresTheProfileTheRolesAndAnEventThatGetsSeqOne() {
    GroupChange.Applied applied = createTeam("amy", "bob", "cy");

    assertThat(applied.event()).get().extracting(ChatMessage::seq).isEqualTo(1L);
    assertThat(groups().group(APP, TEAM))
        .get()
        .satisfies(g -> {
          assertThat(g.owner()).isEqualTo("amy");
          assertThat(g.profile()).isEqualTo(profile());
          assertThat(g.deleted()).isFalse();
        });
    assertThat(groups().memberships(APP, TEAM))
        .containsExactlyInAnyOrder(
            new Membership("amy", GroupRole.OWNER, 0),
            new Membership("bob", GroupRole.MEMBER, 0),
            new Membership("cy", GroupRole.MEMBER, 0));
    assertThat(stores().messages().after(APP, TEAM_CONV, 0, 10).messages())
        .singleElement()
        .satisfies(m -> {
          assertThat(m.type()).isEqualTo(MessageType.SYSTEM);
          assertThat(m.sender()).isEmpty();
          assertThat(m.text()).isEqualTo("Create");
        });
    assertThat(groups().groupsOf(APP, "bob")).containsExactly(TEAM);
  }

  @Test
  void aTakenIdIsAlreadyExistsAndStoresNoEvent() {
    createTeam("amy", "bob");

    assertThatThrownBy(() -> createTeam("eve"))
        .isInstanceOfSatisfying(
            WarblerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.ALREADY_EXISTS));
    assertThat(stores().messages().after(APP, TEAM_CONV, 0, 10).messages()).hasSize(1);
    assertThat(groups().group(APP, TEAM)).get().extracting(GroupRecord::owner).isEqualTo("amy");
  }

  // ---- members -----------------------------------------------------------------------------

  @Test
  void addingMembersSkipsThoseAlreadyInAndDropsTheirJoinRequests() {
    createTeam("amy", "bob");
    user("dan");
    quietly(new GroupChange.RequestJoin(APP, TEAM, "dan", "let me in", 5, 10));

    GroupChange.Applied applied =
        apply(new GroupChange.AddMembers(APP, TEAM, List.of("bob", "dan"), 10));

    assertThat(applied.outcome().users()).containsExactly("dan");
    assertThat(applied.event()).get().extracting(ChatMessage::seq).isEqualTo(2L);
    assertThat(groups().joinRequest(APP, TEAM, "dan")).isEmpty();
    assertThat(groups().memberships(APP, TEAM)).extracting(Membership::user).contains("dan");
  }

  @Test
  void addingPastTheMemberLimitFailsAndStoresNeitherMembersNorEvent() {
    createTeam("amy", "bob");

    assertCode(
        () -> apply(new GroupChange.AddMembers(APP, TEAM, List.of("cy", "dan"), 3)),
        ErrorCode.LIMIT_EXCEEDED);

    assertThat(groups().memberships(APP, TEAM)).hasSize(2);
    assertThat(stores().messages().after(APP, TEAM_CONV, 0, 10).messages()).hasSize(1);
  }

  @Test
  void aBannedUserCannotBeAddedUntilUnbanned() {
    createTeam("amy", "bob");
    GroupChange.Applied ban = apply(new GroupChange.Ban(APP, TEAM, List.of("bob"), "amy", 7));
    assertThat(ban.outcome().removed()).containsExactly("bob");
    assertThat(groups().banned(APP, TEAM, "bob")).isTrue();

    assertCode(
        () -> apply(new GroupChange.AddMembers(APP, TEAM, List.of("bob"), 10)), ErrorCode.BANNED);
    assertCode(
        () -> apply(new GroupChange.RequestJoin(APP, TEAM, "bob", "", 8, 10)), ErrorCode.BANNED);

    assertThat(apply(new GroupChange.Unban(APP, TEAM, List.of("bob", "nobody"))).outcome().users())
        .containsExactly("bob");
    assertThat(apply(new GroupChange.AddMembers(APP, TEAM, List.of("bob"), 10)).outcome().users())
        .containsExactly("bob");
  }

  @Test
  void theOwnerCannotBeRemovedBannedOrDemoted() {
    createTeam("amy", "bob");

    assertCode(
        () -> apply(new GroupChange.RemoveMembers(APP, TEAM, List.of("amy"))), ErrorCode.FORBIDDEN);
    assertCode(
        () -> apply(new GroupChange.Ban(APP, TEAM, List.of("amy"), "", 1)), ErrorCode.FORBIDDEN);
    assertCode(
        () -> apply(new GroupChange.SetRole(APP, TEAM, "amy", GroupRole.MEMBER)),
        ErrorCode.FORBIDDEN);
    assertThat(groups().memberships(APP, TEAM)).contains(new Membership("amy", GroupRole.OWNER, 0));
  }

  @Test
  void removingMembersListsThoseThatWereMembersAndMovesTheGroupInTheirPeersSync() {
    createTeam("amy", "bob", "cy");
    long before = position("amy");

    GroupChange.Applied removed =
        apply(new GroupChange.RemoveMembers(APP, TEAM, List.of("bob", "nobody")));

    assertThat(removed.outcome().removed()).containsExactly("bob");
    assertThat(stores().messages().changedSince(APP, "amy", before, 10).conversations())
        .extracting(ConversationState::conversation)
        .containsExactly(TEAM_CONV);
    assertThat(groups().groupsOf(APP, "bob")).isEmpty();
    assertThat(stores().messages().state(APP, "bob", TEAM_CONV)).isEmpty();
  }

  @Test
  void rolesMutesAndOwnershipAreStoredPerMember() {
    createTeam("amy", "bob", "cy");

    assertThat(apply(new GroupChange.SetRole(APP, TEAM, "bob", GroupRole.ADMIN)).outcome().users())
        .containsExactly("bob");
    assertThat(apply(new GroupChange.SetRole(APP, TEAM, "bob", GroupRole.ADMIN)).outcome().users())
        .isEmpty();
    apply(new GroupChange.Mute(APP, TEAM, "cy", 99_000));
    apply(new GroupChange.TransferOwnership(APP, TEAM, "amy", "cy"));

    assertThat(groups().memberships(APP, TEAM))
        .containsExactlyInAnyOrder(
            new Membership("amy", GroupRole.ADMIN, 0),
            new Membership("bob", GroupRole.ADMIN, 0),
            new Membership("cy", GroupRole.OWNER, 99_000));
    assertThat(groups().group(APP, TEAM)).get().extracting(GroupRecord::owner).isEqualTo("cy");
    assertCode(() -> apply(new GroupChange.Mute(APP, TEAM, "zed", 1)), ErrorCode.NOT_MEMBER);
    assertCode(
        () -> apply(new GroupChange.TransferOwnership(APP, TEAM, "cy", "zed")),
        ErrorCode.NOT_MEMBER);
  }

  @Test
  void aProfileUpdateChangesOnlyTheFieldsItSets() {
    createTeam("amy");

    apply(
        new GroupChange.UpdateProfile(
            APP,
            TEAM,
            GroupUpdate.builder()
                .description("Quizzes on Fridays")
                .custom("{\"grade\":7}")
                .muteAll(true)
                .joinPolicy(JoinPolicy.APPROVAL)
                .build()));

    assertThat(groups().group(APP, TEAM).orElseThrow().profile())
        .isEqualTo(
            new GroupProfile(
                "Team",
                "https://example.com/t.png",
                "Quizzes on Fridays",
                "{\"grade\":7}",
                true,
                JoinPolicy.APPROVAL,
                InvitePolicy.ADMINS));
  }

  // ---- join requests -----------------------------------------------------------------------

  @Test
  void joinRequestsAreReplacedPagedByUserAndBoundedInNumber() {
    createTeam("amy");
    for (String u : List.of("dan", "bea", "cal")) {
      user(u);
      apply(new GroupChange.RequestJoin(APP, TEAM, u, "hi from " + u, 10, 3));
    }
    apply(new GroupChange.RequestJoin(APP, TEAM, "bea", "second try", 11, 3));
    user("eli");

    assertCode(
        () -> apply(new GroupChange.RequestJoin(APP, TEAM, "eli", "", 12, 3)),
        ErrorCode.LIMIT_EXCEEDED);
    assertThat(groups().joinRequests(APP, TEAM, "", 2))
        .containsExactly(
            new JoinRequest("bea", "second try", 11), new JoinRequest("cal", "hi from cal", 10));
    assertThat(groups().joinRequests(APP, TEAM, "cal", 2))
        .containsExactly(new JoinRequest("dan", "hi from dan", 10));
    assertThat(
            apply(new GroupChange.RemoveJoinRequests(APP, TEAM, List.of("cal", "zed")))
                .outcome()
                .users())
        .containsExactly("cal");
    stores().directory().deleteUser(APP, "dan", 20);
    assertThat(groups().joinRequests(APP, TEAM, "", 10))
        .extracting(JoinRequest::user)
        .containsExactly("bea");
    assertThat(groups().joinRequest(APP, TEAM, "dan")).isEmpty();
  }

  @Test
  void deletingAUserErasesItsMembershipsGroupBansAndJoinRequestsButNotTheGroupsHistory() {
    createTeam("amy", "bob", "cy");
    user("dan");
    apply(new GroupChange.Ban(APP, TEAM, List.of("cy"), "amy", 3));
    apply(
        new GroupChange.UpdateProfile(
            APP, TEAM, GroupUpdate.builder().joinPolicy(JoinPolicy.APPROVAL).build()));
    apply(new GroupChange.RequestJoin(APP, TEAM, "dan", "let me in", 4, 10));
    int events =
        stores().messages().after(APP, ConversationId.group(TEAM), 0, 100).messages().size();

    for (String gone : List.of("bob", "cy", "dan")) {
      assertThat(stores().directory().deleteUser(APP, gone, 5)).as(gone).isTrue();
    }

    assertThat(groups().memberships(APP, TEAM)).extracting(Membership::user).containsExactly("amy");
    assertThat(groups().groupsOf(APP, "bob")).isEmpty();
    assertThat(groups().banned(APP, TEAM, "cy")).isFalse();
    assertThat(groups().joinRequest(APP, TEAM, "dan")).isEmpty();
    assertThat(stores().messages().after(APP, ConversationId.group(TEAM), 0, 100).messages())
        .hasSize(events);
  }

  // ---- delete ------------------------------------------------------------------------------

  @Test
  void aDeletedGroupKeepsItsMembersForReadingButTakesNoMoreChanges() {
    createTeam("amy", "bob");

    GroupChange.Applied deleted = apply(new GroupChange.Delete(APP, TEAM, 50));

    assertThat(deleted.outcome().removed()).containsExactlyInAnyOrder("amy", "bob");
    assertThat(groups().group(APP, TEAM)).get().extracting(GroupRecord::deletedAt).isEqualTo(50L);
    assertThat(groups().groupsOf(APP, "bob")).isEmpty();
    assertThat(groups().memberships(APP, TEAM)).hasSize(2);
    assertCode(
        () -> apply(new GroupChange.AddMembers(APP, TEAM, List.of("cy"), 10)),
        ErrorCode.GROUP_NOT_FOUND);
    assertCode(() -> apply(new GroupChange.Delete(APP, TEAM, 60)), ErrorCode.GROUP_NOT_FOUND);
    assertCode(() -> createTeam("eve"), ErrorCode.ALREADY_EXISTS);
  }

  // ---- pages, order, durability ------------------------------------------------------------

  @Test
  void membersArePagedByUserId() {
    createTeam("mia", "zed", "amy", "bob");

    assertThat(groups().members(APP, TEAM, "", 2))
        .extracting(Membership::user)
        .containsExactly("amy", "bob");
    assertThat(groups().members(APP, TEAM, "bob", 10))
        .extracting(Membership::user)
        .containsExactly("mia", "zed");
  }

  @Test
  void aChangeCompletesBeforeAMessageAppendedAfterItAndInSeqOrder() {
    createTeam("amy", "bob");
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    // Continuations attached at once, from this thread: the publication order the core relies on.
    CompletableFuture<?> change =
        groups()
            .apply(
                new GroupChange.RemoveMembers(APP, TEAM, List.of("bob")),
                o -> Optional.of(event("bob was removed")))
            .thenAccept(a -> order.add("change " + a.event().orElseThrow().seq()));
    CompletableFuture<?> later =
        stores()
            .messages()
            .append(event("after"))
            .thenAccept(r -> order.add("message " + r.message().seq()));

    result(change);
    result(later);

    assertThat(order).containsExactly("change 2", "message 3");
  }

  @Test
  void aChangeWhoseListenerReturnsNoEventAppendsNothing() {
    createTeam("amy");
    user("dan");

    GroupChange.Applied applied =
        result(
            groups()
                .apply(
                    new GroupChange.RequestJoin(APP, TEAM, "dan", "", 1, 10),
                    o -> Optional.empty()));

    assertThat(applied.event()).isEmpty();
    assertThat(stores().messages().after(APP, TEAM_CONV, 0, 10).messages()).hasSize(1);
  }

  @Test
  void groupsRolesAndBansSurviveAReopen() throws Exception {
    createTeam("amy", "bob", "cy");
    apply(new GroupChange.SetRole(APP, TEAM, "bob", GroupRole.ADMIN));
    apply(new GroupChange.Ban(APP, TEAM, List.of("cy"), "amy", 3));
    reopen();

    assertThat(groups().memberships(APP, TEAM))
        .containsExactlyInAnyOrder(
            new Membership("amy", GroupRole.OWNER, 0), new Membership("bob", GroupRole.ADMIN, 0));
    assertThat(groups().banned(APP, TEAM, "cy")).isTrue();
    assertThat(groups().group(APP, TEAM).orElseThrow().profile()).isEqualTo(profile());
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static GroupProfile profile() {
    return new GroupProfile(
        "Team",
        "https://example.com/t.png",
        "",
        "",
        false,
        JoinPolicy.INVITE_ONLY,
        InvitePolicy.ADMINS);
  }

  private GroupChange.Applied createTeam(String owner, String... others) {
    Map<String, GroupRole> members = new LinkedHashMap<>();
    members.put(owner, GroupRole.OWNER);
    for (String o : others) {
      members.put(o, GroupRole.MEMBER);
    }
    members.keySet().forEach(this::user);
    return apply(
        new GroupChange.Create(new GroupRecord(APP, TEAM, owner, profile(), 1, 0), members));
  }

  private void user(String id) {
    stores().directory().createUser(new User(APP, id, id, 1));
  }

  /** Applies a change whose listener records a SYSTEM event for every outcome. */
  private GroupChange.Applied apply(GroupChange change) {
    return result(
        groups().apply(change, o -> Optional.of(event(change.getClass().getSimpleName()))));
  }

  /** Applies a change that records no event. */
  private GroupChange.Applied quietly(GroupChange change) {
    return result(groups().apply(change, o -> Optional.empty()));
  }

  private NewMessage event(String text) {
    String id = "e" + ids.incrementAndGet();
    return new NewMessage(
        APP, TEAM_CONV, id, "group-" + id, "", MessageType.SYSTEM, text, "{\"event\":\"x\"}", 1);
  }

  private long position(String user) {
    return stores().messages().changedSince(APP, user, 0, 100).cursor();
  }

  private static void assertCode(Runnable action, ErrorCode code) {
    assertThatThrownBy(action::run)
        .isInstanceOfSatisfying(
            WarblerException.class, e -> assertThat(e.code()).as(e.getMessage()).isEqualTo(code));
  }

  private static <T> T result(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WarblerException w) {
        throw w;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + WAIT, e);
    }
  }
}
