package dev.warbler.core.groups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warbler.core.Caller;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.audit.Audit;
import dev.warbler.core.audit.AuditEvent;
import dev.warbler.core.audit.MemoryAuditLog;
import dev.warbler.core.cluster.LocalCluster;
import dev.warbler.core.cluster.Publisher;
import dev.warbler.core.directory.App;
import dev.warbler.core.directory.User;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.spi.Bus;
import dev.warbler.core.spi.DirectoryStore;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.protocol.ErrorCode;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Group bans are audited by {@link GroupAdmin} itself, so every transport gets the same trail: one
 * entry per distinct user, with the caller's actor and address, and none for a refused command.
 */
class GroupAdminAuditTest {
  private static final String APP = "shop";
  private static final Caller AMY = Caller.user(new Principal(APP, "amy"), "10.0.0.7");
  private static final Caller BACKEND = new Caller(APP, Audit.app(APP), "192.0.2.1");

  private static final Bus BUS = new LocalCluster().bus();
  private final MemoryAuditLog log = new MemoryAuditLog();
  private final GroupStoreInMemory store = new GroupStoreInMemory();
  private final GroupAdmin groups =
      new GroupAdmin(
          store,
          new Users(Set.of("amy", "bob", "dan", "eve")),
          BUS,
          new Publisher(BUS),
          InstantSource.system(),
          Limits.DEFAULTS,
          GroupLimits.DEFAULTS,
          log.audit(InstantSource.system()));

  private List<String> targets(String action) {
    return log.events().stream()
        .filter(e -> e.action().equals(action))
        .map(AuditEvent::target)
        .toList();
  }

  @Test
  void aBanIsAuditedOncePerDistinctUserWithTheCallersActorAndAddress() {
    GroupResult result = groups.ban(AMY, "team", "amy", List.of("bob", "dan", "bob"));

    assertThat(result.users()).containsExactly("bob", "dan");
    assertThat(log.events())
        .allSatisfy(e -> {
          assertThat(e.app()).isEqualTo(APP);
          assertThat(e.actor()).isEqualTo("user:amy");
          assertThat(e.ip()).isEqualTo("10.0.0.7");
          assertThat(e.action()).isEqualTo(Audit.GROUP_BAN);
          assertThat(e.outcome()).isEqualTo(AuditEvent.OK);
        })
        .extracting(AuditEvent::target)
        .containsExactly("team/bob", "team/dan");
  }

  @Test
  void anUnbanIsAuditedOncePerDistinctUserNamedBannedOrNot() {
    groups.ban(AMY, "team", "amy", List.of("dan"));

    groups.unban(AMY, "team", "amy", List.of("dan", "eve", "dan"));

    assertThat(targets(Audit.GROUP_UNBAN)).containsExactly("team/dan", "team/eve");
    assertThat(targets(Audit.GROUP_BAN)).containsExactly("team/dan");
  }

  @Test
  void theAppBackendsBanNamesItsCredentialNotTheGroupRole() {
    groups.ban(BACKEND, "team", GroupAdmin.BACKEND, List.of("bob"));

    assertThat(log.events())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.actor()).isEqualTo("app:shop");
          assertThat(e.ip()).isEqualTo("192.0.2.1");
          assertThat(e.target()).isEqualTo("team/bob");
        });
  }

  @Test
  void aRefusedBanOrUnbanIsNotAudited() {
    Caller bob = Caller.user(new Principal(APP, "bob"), "10.0.0.8");

    assertThatThrownBy(() -> groups.ban(bob, "team", "bob", List.of("dan")))
        .isInstanceOfSatisfying(
            WarblerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
    assertThatThrownBy(() -> groups.ban(AMY, "team", "amy", List.of("nobody")))
        .isInstanceOfSatisfying(
            WarblerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USER_NOT_FOUND));
    assertThatThrownBy(() -> groups.unban(bob, "team", "bob", List.of("dan")))
        .isInstanceOf(WarblerException.class);
    store.failNext = true;
    assertThatThrownBy(() -> groups.ban(AMY, "team", "amy", List.of("dan")))
        .isInstanceOf(WarblerException.class);

    assertThat(log.events()).isEmpty();
    assertThat(store.banned).isEmpty();
  }

  /** The users of the app; nothing else is asked of the directory here. */
  private record Users(Set<String> ids) implements DirectoryStore {
    @Override
    public Optional<User> user(String app, String id) {
      return app.equals(APP) && ids.contains(id)
          ? Optional.of(new User(app, id, id, 1))
          : Optional.empty();
    }

    @Override
    public boolean createApp(App app) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<App> app(String id) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean updateAppSecret(String id, String secret) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<App> apps() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean createUser(User user) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean deleteUser(String app, String id, long deletedAt) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean retired(String app, String id) {
      return false;
    }
  }

  /**
   * One group, {@code team} (owner amy, member bob), with bans and unbans applied as the {@link
   * GroupStore} contract says, and the listener's hooks run in order; other changes are not used.
   */
  private static final class GroupStoreInMemory implements GroupStore {
    final Map<String, Membership> members = new LinkedHashMap<>();
    final Set<String> banned = new HashSet<>();
    boolean failNext;

    GroupStoreInMemory() {
      members.put("amy", new Membership("amy", GroupRole.OWNER, 0));
      members.put("bob", new Membership("bob", GroupRole.MEMBER, 0));
    }

    @Override
    public Optional<GroupRecord> group(String app, String id) {
      return id.equals("team")
          ? Optional.of(new GroupRecord(app, id, "amy", GroupProfile.named("Team"), 1, 0))
          : Optional.empty();
    }

    @Override
    public synchronized List<Membership> memberships(String app, String group) {
      return List.copyOf(members.values());
    }

    @Override
    public List<Membership> members(String app, String group, String afterUser, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Set<String> groupsOf(String app, String user) {
      throw new UnsupportedOperationException();
    }

    @Override
    public synchronized boolean banned(String app, String group, String user) {
      return banned.contains(user);
    }

    @Override
    public Optional<JoinRequest> joinRequest(String app, String group, String user) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<JoinRequest> joinRequests(String app, String group, String afterUser, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public synchronized CompletableFuture<GroupChange.Applied> apply(
        GroupChange change, Function<GroupChange.Outcome, Optional<NewMessage>> event) {
      if (failNext) {
        failNext = false;
        return CompletableFuture.failedFuture(
            new WarblerException(ErrorCode.UNAVAILABLE, "the store is unavailable"));
      }
      GroupChange.Outcome outcome =
          switch (change) {
            case GroupChange.Ban b -> {
              List<String> removed = new ArrayList<>();
              for (String u : b.users()) {
                banned.add(u);
                if (members.remove(u) != null) {
                  removed.add(u);
                }
              }
              yield new GroupChange.Outcome(change, b.users(), removed);
            }
            case GroupChange.Unban u -> {
              List<String> lifted = u.users().stream().filter(banned::remove).toList();
              yield new GroupChange.Outcome(change, lifted, List.of());
            }
            default -> throw new UnsupportedOperationException(change.toString());
          };
      event.apply(outcome);
      return CompletableFuture.completedFuture(new GroupChange.Applied(outcome, Optional.empty()));
    }
  }
}
