package dev.warbler.bench;

import dev.warbler.bench.LoadClient.Conn;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Ping;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Opens N authenticated connections, holds them idle with a ping every {@link #PING_SECONDS}, and
 * reads the server's memory before and after: RSS from /proc when the server is a child, heap from
 * its /metrics.
 */
final class ConnectionsLoad {
  static final int PING_SECONDS = 10;

  private ConnectionsLoad() {}

  /**
   * Memory per connection: the RSS delta (native memory; the spawned server's heap is fixed and
   * pre-touched, so heap growth does not show in RSS) plus the live-heap delta; the heap alone when
   * RSS is unknown (a server not spawned by the bench).
   */
  static long perConnection(long rss0, long rss1, long heap0, long heap1, int connected) {
    if (connected == 0 || heap0 < 0) {
      return -1;
    }
    long heap = Math.max(0, heap1 - heap0);
    long rss = rss0 < 0 ? 0 : Math.max(0, rss1 - rss0);
    return (heap + rss) / connected;
  }

  static Result run(Target target, Admin admin, int count, double ramp, double holdS)
      throws InterruptedException {
    List<Admin.UserToken> users = admin.users(target.app(), BenchCommand.runPrefix("c"), count);
    Thread.sleep(1000);
    SpawnedServer.gc(target.pid());
    long rss0 = target.pid() > 0 ? SpawnedServer.rssBytes(target.pid()) : -1;
    long heap0 = admin.heapUsedBytes();
    try (LoadClient client = new LoadClient(target.ws(), 2);
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor()) {
      Connector.Opened opened = Connector.open(client, users, ramp);
      List<Conn> live = opened.live();
      LongAdder pongs = new LongAdder();
      live.forEach(c -> c.onFrame(f -> pongs.increment()));
      pinger.scheduleAtFixedRate(
          () ->
              live.forEach(c ->
                  c.send(
                      ClientFrame.newBuilder()
                          .setId("p")
                          .setPing(Ping.newBuilder().setClientTime(System.currentTimeMillis()))
                          .build())),
          0,
          PING_SECONDS,
          TimeUnit.SECONDS);
      Thread.sleep((long) (Math.max(2, holdS) * 1000));
      SpawnedServer.gc(target.pid());
      long rss1 = target.pid() > 0 ? SpawnedServer.rssBytes(target.pid()) : -1;
      long heap1 = admin.heapUsedBytes();
      long stillOpen = live.stream().filter(Conn::open).count();
      int connected = live.size();
      live.forEach(Conn::close);
      return new Result("connections")
          .put("count", count)
          .put("connected", connected)
          .put("still_open", stillOpen)
          .put("failures", opened.failures())
          .put("connect_seconds", Result.round(opened.seconds()))
          .put("connect_rate_per_s", Result.round(connected / opened.seconds()))
          .put("server_rss_delta_bytes", rss0 < 0 ? -1 : rss1 - rss0)
          .put("server_heap_delta_bytes", heap0 < 0 ? -1 : heap1 - heap0)
          .put("server_bytes_per_connection", perConnection(rss0, rss1, heap0, heap1, connected))
          .put(
              "server_heap_bytes_per_connection",
              heap0 < 0 || connected == 0 ? -1 : (heap1 - heap0) / connected)
          .put("pongs", pongs.sum())
          .put("hold_s", Math.max(2, holdS))
          .put("server_cpus", target.serverCpus());
    }
  }
}
