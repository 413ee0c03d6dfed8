package dev.warbler.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Two NATS "regions" on this machine, as the test's own nats-server processes: region A, the hub,
 * with JetStream; region B, a leaf node of A without JetStream (its JetStream requests, the
 * presence registry's, cross to the hub). The leaf connects to the hub through a {@link Link} the
 * test can cut and restore, as a network between regions breaks and heals.
 */
final class NatsRegions implements AutoCloseable {
  final String hubUrl;
  final String leafUrl;
  final Link link;
  private final Process hub;
  private final Process leaf;
  private final int monitor;

  private NatsRegions(
      String hubUrl, String leafUrl, Link link, Process hub, Process leaf, int monitor) {
    this.monitor = monitor;
    this.hubUrl = hubUrl;
    this.leafUrl = leafUrl;
    this.link = link;
    this.hub = hub;
    this.leaf = leaf;
  }

  static NatsRegions start(Path dir) throws IOException {
    int hubPort = freePort();
    int leafListen = freePort();
    int leafPort = freePort();
    int monitor = freePort();
    // The hub advertises the link, not its own port: a leaf learns the advertised address and
    // would otherwise reconnect around a cut link.
    Link link = new Link(leafListen);
    Path hubConf = dir.resolve("region-a.conf");
    Files.writeString(
        hubConf,
        """
        server_name: region-a
        listen: 127.0.0.1:%d
        http: 127.0.0.1:%d
        jetstream { store_dir: "%s", domain: hub }
        leafnodes { listen: 127.0.0.1:%d, advertise: "127.0.0.1:%d" }
        """
            .formatted(hubPort, monitor, dir.resolve("region-a-js"), leafListen, link.port()));
    Process hub = natsServer(hubConf, dir.resolve("region-a.log"));
    awaitPort(hubPort, hub);
    Path leafConf = dir.resolve("region-b.conf");
    Files.writeString(
        leafConf,
        """
        server_name: region-b
        listen: 127.0.0.1:%d
        leafnodes { reconnect: 1, remotes: [ { url: "nats-leaf://127.0.0.1:%d" } ] }
        """
            .formatted(leafPort, link.port()));
    Process leaf = natsServer(leafConf, dir.resolve("region-b.log"));
    awaitPort(leafPort, leaf);
    NatsRegions regions =
        new NatsRegions(
            "nats://127.0.0.1:" + hubPort,
            "nats://127.0.0.1:" + leafPort,
            link,
            hub,
            leaf,
            monitor);
    regions.awaitLinked();
    return regions;
  }

  /** Waits until the hub counts the leaf among its leaf nodes (the link is up). */
  void awaitLinked() {
    awaitLeafs(1);
  }

  String connz() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitor + "/connz")).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  /** Waits until the hub has no leaf node (the cut is seen). */
  void awaitUnlinked() {
    awaitLeafs(0);
  }

  private void awaitLeafs(int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    String leafz = "";
    while (System.nanoTime() < deadline) {
      try (HttpClient http = HttpClient.newHttpClient()) {
        leafz =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitor + "/leafz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        if (leafz.contains("\"leafnodes\": " + count + ",")) {
          return;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException("the hub did not count " + count + " leaf nodes: " + leafz);
  }

  private static Process natsServer(Path conf, Path log) throws IOException {
    return natsServer(List.of("-c", conf.toString()), log);
  }

  /** A nats-server process of the test's own with {@code args}, its output in {@code log}. */
  static Process natsServer(List<String> args, Path log) throws IOException {
    String binary =
        Files.isExecutable(Path.of("/usr/sbin/nats-server"))
            ? "/usr/sbin/nats-server"
            : "nats-server";
    List<String> cmd = new java.util.ArrayList<>(List.of(binary));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Waits up to 20 s until something listens on {@code port}; fails if {@code p} exits. */
  static void awaitPort(int port, Process p) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("nats-server exited with " + p.exitValue());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return;
      } catch (IOException e) {
        sleep(50);
      }
    }
    throw new IllegalStateException("nothing answered on port " + port + " within 20 s");
  }

  @Override
  public void close() {
    link.close();
    for (Process p : List.of(leaf, hub)) {
      p.destroy();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A TCP relay between the regions: {@link #cut} drops every connection and refuses new ones. */
  static final class Link implements AutoCloseable {
    private final int target;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    Link(int target) throws IOException {
      this.target = target;
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      this.port = server.getLocalPort();
      accept(server);
    }

    int port() {
      return port;
    }

    /** The network between the regions breaks: nothing crosses until {@link #restore}. */
    void cut() {
      try {
        server.close();
      } catch (IOException ignored) {
        // closed already
      }
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closed already
        }
      }
      sockets.clear();
    }

    /** The network heals: the leaf node reconnects by itself. */
    void restore() {
      if (!server.isClosed()) {
        return;
      }
      try {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server = s;
        accept(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void accept(ServerSocket listening) {
      Thread.ofVirtual()
          .start(() -> {
            while (!listening.isClosed()) {
              try {
                Socket in = listening.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(in);
                sockets.add(out);
                pump(in, out);
                pump(out, in);
              } catch (IOException e) {
                return; // cut
              }
            }
          });
    }

    private void pump(Socket from, Socket to) {
      Thread.ofVirtual()
          .start(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
              int n;
              while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
              }
            } catch (IOException ignored) {
              // one side closed
            } finally {
              try {
                from.close();
                to.close();
              } catch (IOException ignored) {
                // closed already
              }
            }
          });
    }

    @Override
    public void close() {
      cut();
    }
  }
}
