package dev.warbler.gateway;

import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.groups.GroupAdmin;
import dev.warbler.core.groups.GroupProfile;
import dev.warbler.core.groups.GroupRecord;
import dev.warbler.core.groups.JoinRequest;
import dev.warbler.core.groups.Membership;
import dev.warbler.core.messaging.Limits;
import dev.warbler.core.spi.Delivery;
import dev.warbler.core.spi.GroupChange;
import dev.warbler.core.spi.GroupStore;
import dev.warbler.core.spi.NewMessage;
import dev.warbler.core.spi.Topic;
import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 20,000-member group with a few members online: messages reach exactly the online members, and
 * sending does not touch the member list (counted through a wrapper around the group store) nor
 * carry it on the bus.
 */
class GatewayLargeGroupTest {
  private static final int MEMBERS = 20_000;
  private static final String GROUP = "stadium";

  private static final Counting counting = new Counting();
  private static final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  private static TestGateway server;

  /** Counts the calls that read a group's whole member list. */
  static final class Counting implements GroupStore {
    final AtomicInteger fullLoads = new AtomicInteger();
    final AtomicInteger pages = new AtomicInteger();
    GroupStore delegate;

    @Override
    public Optional<GroupRecord> group(String app, String id) {
      return delegate.group(app, id);
    }

    @Override
    public List<Membership> memberships(String app, String group) {
      fullLoads.incrementAndGet();
      return delegate.memberships(app, group);
    }

    @Override
    public List<Membership> members(String app, String group, String afterUser, int limit) {
      pages.incrementAndGet();
      return delegate.members(app, group, afterUser, limit);
    }

    @Override
    public Set<String> groupsOf(String app, String user) {
      return delegate.groupsOf(app, user);
    }

    @Override
    public boolean banned(String app, String group, String user) {
      return delegate.banned(app, group, user);
    }

    @Override
    public Optional<JoinRequest> joinRequest(String app, String group, String user) {
      return delegate.joinRequest(app, group, user);
    }

    @Override
    public List<JoinRequest> joinRequests(String app, String group, String afterUser, int limit) {
      return delegate.joinRequests(app, group, afterUser, limit);
    }

    @Override
    public CompletableFuture<GroupChange.Applied> apply(
        GroupChange change, Function<GroupChange.Outcome, Optional<NewMessage>> event) {
      return delegate.apply(change, event);
    }
  }

  @BeforeAll
  static void start() {
    Limits large = new Limits(32 * 1024, 25_000, 200, 500);
    server =
        new TestGateway(
            GatewayConfig.defaults(),
            large,
            store -> {
              counting.delegate = store;
              return counting;
            });
    server.bus.subscribe(
        Topic.group(TestGateway.APP, GROUP),
        e -> {
          if (e instanceof Delivery d) {
            deliveries.add(d);
          }
        });
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aTwentyThousandMemberGroupDeliversToItsFewOnlineMembersWithoutTouchingTheMemberList()
      throws Exception {
    String owner = server.newUser();
    List<String> online = List.of(server.newUser(), server.newUser(), server.newUser());
    server.groups.create(
        TestGateway.APP, GROUP, GroupAdmin.BACKEND, owner, online, GroupProfile.named("Stadium"));
    // Bulk members straight through the store (one transaction), not 20,000 API calls.
    List<String> crowd = IntStream.range(0, MEMBERS).mapToObj(i -> "fan" + i).toList();
    counting
        .apply(
            new GroupChange.AddMembers(TestGateway.APP, GROUP, crowd, 25_000),
            o -> Optional.empty())
        .get(30, TimeUnit.SECONDS);

    List<RawClient> devices = new ArrayList<>();
    for (String user : online) {
      devices.add(server.login(user, Encoding.PROTO));
    }
    RawClient sender = devices.getFirst();
    send(sender, "first");
    for (RawClient device : devices) {
      assertThat(nextGroupMessage(device).getText()).isEqualTo("first");
    }
    assertThat(server.groups.members(TestGateway.APP, GROUP)).hasSize(MEMBERS + 4);
    int loadsAfterWarmUp = counting.fullLoads.get();
    long pushesBefore = server.sessions.pushes();
    deliveries.clear();

    for (int i = 0; i < 20; i++) {
      send(sender, "m" + i);
    }
    for (RawClient device : devices) {
      for (int i = 0; i < 20; i++) {
        assertThat(nextGroupMessage(device).getText()).isEqualTo("m" + i);
      }
    }

    // At most the one load that warmed the cache, no member pages, nothing listed on the bus,
    // and one push per online connection per message.
    assertThat(loadsAfterWarmUp).isLessThanOrEqualTo(1);
    assertThat(counting.fullLoads.get()).isEqualTo(loadsAfterWarmUp);
    assertThat(counting.pages.get()).isZero();
    assertThat(deliveries).hasSize(20).allSatisfy(d -> assertThat(d.recipients()).isEmpty());
    assertThat(server.sessions.pushes() - pushesBefore).isEqualTo(20L * devices.size());
    assertThat(server.sessions.onlineMembers(TestGateway.APP, GROUP)).isEqualTo(online.size());
  }

  private static void send(RawClient c, String text) {
    ServerFrame ack =
        c.request(
            ClientFrame.newBuilder()
                .setId("s-" + text)
                .setSend(
                    Send.newBuilder().setClientMsgId("c-" + text).setGroup(GROUP).setText(text))
                .build());
    assertThat(ack.hasSendAck()).as(ack.toString()).isTrue();
  }

  private static Message nextGroupMessage(RawClient c) {
    return c.await(
            f -> f.hasMessage() && f.getMessage().getConversation().equals("g:" + GROUP), WAIT)
        .getMessage();
  }
}
