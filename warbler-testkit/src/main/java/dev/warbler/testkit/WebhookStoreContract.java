package dev.warbler.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warbler.core.spi.Stores;
import dev.warbler.core.spi.WebhookStore;
import dev.warbler.core.webhooks.BeforeSendHook;
import dev.warbler.core.webhooks.WebhookDelivery;
import dev.warbler.core.webhooks.WebhookDelivery.Status;
import dev.warbler.core.webhooks.WebhookSubscription;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link WebhookStore} promises: subscriptions and queued deliveries survive a
 * restart, a claimed delivery is not claimed again until its lease ends, the log pages newest first
 * and stays inside its app, and failed deliveries replay. A store kind's test extends this class
 * (see {@link BundleContract}).
 */
public abstract class WebhookStoreContract<S extends Stores> extends BundleContract<S> {
  protected static final String APP = "acme";
  protected static final String OTHER_APP = "globex";

  private static WebhookSubscription subscription(String app, String id, long at) {
    return new WebhookSubscription(
        app,
        id,
        "https://hooks.example/" + id,
        List.of("message.stored", "message.recalled"),
        true,
        "orders",
        "whsec_1",
        "",
        0,
        0,
        "",
        at,
        at);
  }

  private static WebhookDelivery delivery(String app, String sub, String id, long at) {
    return new WebhookDelivery(
        app,
        id,
        sub,
        "evt_" + id,
        "message.stored",
        "{\"id\":\"evt_" + id + "\"}",
        Status.PENDING,
        0,
        at,
        "",
        0,
        at,
        at);
  }

  @Test
  void subscriptionsAndQueuedDeliveriesSurviveARestart() throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    store
        .enqueue(List.of(delivery(APP, "wh_1", "0001", 100), delivery(APP, "wh_1", "0002", 101)))
        .get();

    WebhookStore after = reopen().webhooks();

    assertThat(after.subscription(APP, "wh_1")).contains(subscription(APP, "wh_1", 10));
    assertThat(after.pending()).isEqualTo(2);
    assertThat(after.claim(1_000, 61_000, 10))
        .extracting(WebhookDelivery::id)
        .containsExactlyInAnyOrder("0001", "0002");
  }

  @Test
  void aClaimedDeliveryIsNotClaimedAgainUntilItsLeaseEnds() throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    store.enqueue(List.of(delivery(APP, "wh_1", "0001", 100))).get();

    assertThat(store.claim(200, 60_200, 10)).hasSize(1);
    assertThat(store.claim(300, 60_300, 10)).isEmpty();
    assertThat(store.claim(60_200, 120_200, 10))
        .extracting(WebhookDelivery::id)
        .containsExactly("0001");
  }

  @Test
  void aDeliveryIsNotClaimedBeforeItIsDueNorAfterItSettled() throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    WebhookDelivery d = delivery(APP, "wh_1", "0001", 100);
    store.enqueue(List.of(d)).get();
    WebhookDelivery retry =
        store
            .claim(100, 60_100, 10)
            .getFirst()
            .settled(Status.PENDING, 1, 5_000, "HTTP 500", 500, 150);
    store.settle(retry);

    assertThat(store.claim(4_999, 64_999, 10)).isEmpty();
    WebhookDelivery claimed = store.claim(5_000, 65_000, 10).getFirst();
    assertThat(claimed).isEqualTo(retry);
    store.settle(claimed.settled(Status.DELIVERED, 2, 5_010, "", 200, 5_010));

    assertThat(store.claim(100_000, 160_000, 10)).isEmpty();
    assertThat(store.pending()).isZero();
    assertThat(store.delivery(APP, "0001").orElseThrow().status()).isEqualTo(Status.DELIVERED);
  }

  @Test
  void theLogPagesNewestFirstAndStaysInsideItsApp() throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    store.putSubscription(subscription(OTHER_APP, "wh_1", 10));
    store
        .enqueue(
            List.of(
                delivery(APP, "wh_1", "0001", 100),
                delivery(APP, "wh_1", "0002", 101),
                delivery(APP, "wh_1", "0003", 102),
                delivery(OTHER_APP, "wh_1", "0004", 103)))
        .get();

    assertThat(store.deliveries(APP, "wh_1", "", 2))
        .extracting(WebhookDelivery::id)
        .containsExactly("0003", "0002");
    assertThat(store.deliveries(APP, "wh_1", "0002", 2))
        .extracting(WebhookDelivery::id)
        .containsExactly("0001");
    assertThat(store.delivery(APP, "0004")).isEmpty();
    assertThat(store.subscriptions(OTHER_APP))
        .extracting(WebhookSubscription::app)
        .containsExactly(OTHER_APP);
  }

  @Test
  void failedDeliveriesInATimeRangeReplayAndDeletingASubscriptionDeletesItsDeliveries()
      throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    store
        .enqueue(
            List.of(
                delivery(APP, "wh_1", "0001", 100),
                delivery(APP, "wh_1", "0002", 200),
                delivery(APP, "wh_1", "0003", 300)))
        .get();
    for (WebhookDelivery d : store.claim(1_000, 61_000, 10)) {
      store.settle(d.settled(Status.FAILED, 8, 1_000, "HTTP 503", 503, 1_000));
    }

    assertThat(store.replayFailed(OTHER_APP, "wh_1", 0, 1_000, 2_000)).isZero();
    assertThat(store.replayFailed(APP, "wh_1", 150, 300, 2_000)).isEqualTo(1);
    WebhookDelivery replayed = store.claim(2_000, 62_000, 10).getFirst();
    assertThat(replayed.id()).isEqualTo("0002");
    assertThat(replayed.attempts()).isZero();

    assertThat(store.deleteSubscription(APP, "wh_1")).isTrue();
    assertThat(store.deleteSubscription(APP, "wh_1")).isFalse();
    assertThat(store.delivery(APP, "0001")).isEmpty();
    assertThat(store.subscriptions(APP)).isEmpty();
  }

  @Test
  void failuresCountAtomicallyAndASubscriptionIsDisabledOnce() throws Exception {
    WebhookStore store = stores().webhooks();
    store.putSubscription(subscription(APP, "wh_1", 10));
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      threads.add(Thread.ofVirtual().start(() -> store.countFailure(APP, "wh_1", 20)));
    }
    for (Thread t : threads) {
      t.join();
    }

    assertThat(store.subscription(APP, "wh_1").orElseThrow().failures()).isEqualTo(8);
    assertThat(store.countFailure(OTHER_APP, "wh_1", 20)).isZero();
    assertThat(store.disable(APP, "wh_1", "too many", 30)).isTrue();
    assertThat(store.disable(APP, "wh_1", "again", 31)).isFalse();
    WebhookSubscription s = store.subscription(APP, "wh_1").orElseThrow();
    assertThat(s.enabled()).isFalse();
    assertThat(s.disabledReason()).isEqualTo("too many");
    store.resetFailures(APP, "wh_1");
    assertThat(store.subscription(APP, "wh_1").orElseThrow().failures()).isZero();
  }

  @Test
  void aBeforeSendHookIsPerAppAndSurvivesARestart() throws Exception {
    BeforeSendHook hook =
        new BeforeSendHook(APP, "https://hooks.example/check", "whsec_h", true, 800, 5);
    stores().webhooks().putBeforeSendHook(hook);
    stores().webhooks().putBeforeSendHook(hook);

    WebhookStore after = reopen().webhooks();

    assertThat(after.beforeSendHook(APP)).contains(hook);
    assertThat(after.beforeSendHook(OTHER_APP)).isEmpty();
    assertThat(after.deleteBeforeSendHook(OTHER_APP)).isFalse();
    assertThat(after.deleteBeforeSendHook(APP)).isTrue();
    assertThat(after.beforeSendHook(APP)).isEmpty();
  }
}
