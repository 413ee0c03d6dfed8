package dev.warbler.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A webhook receiver on 127.0.0.1 (JDK HttpServer): records every request and answers with the
 * queued statuses, then with {@code otherwise}.
 */
final class WebhookReceiver implements AutoCloseable {
  record Request(Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().getFirst())
          .findFirst()
          .orElse("");
    }

    /**
     * Whether the signature header verifies with {@code secret}, as a receiver checks it (the
     * documented algorithm, 300 s tolerance, the receiver's clock now).
     */
    boolean signedWith(String secret) {
      return dev.warbler.core.webhooks.WebhookSignature.verify(
          secret,
          header(dev.warbler.core.webhooks.WebhookSignature.HEADER_SIGNATURE),
          Long.parseLong(header(dev.warbler.core.webhooks.WebhookSignature.HEADER_TIMESTAMP)),
          body,
          System.currentTimeMillis() / 1000,
          300);
    }
  }

  private final HttpServer server;
  private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
  private final ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
  private volatile int otherwise = 200;
  private volatile String answer = "";
  private volatile long delayMillis;

  WebhookReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()), body));
          Integer next = statuses.poll();
          int status = next == null ? otherwise : next;
          if (delayMillis > 0) {
            try {
              Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] answer =
              (this.answer.isEmpty() ? "status " + status : this.answer)
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks";
  }

  /** The next statuses to answer, in order. */
  WebhookReceiver answer(Integer... next) {
    statuses.addAll(List.of(next));
    return this;
  }

  /** The status answered once the queued ones are used up. */
  WebhookReceiver otherwise(int status) {
    otherwise = status;
    return this;
  }

  /** The body of every answer from now on (empty: "status N"). */
  WebhookReceiver body(String body) {
    answer = body;
    return this;
  }

  /** Answers after this long (a slow hook). */
  WebhookReceiver delay(long millis) {
    delayMillis = millis;
    return this;
  }

  Request next() throws InterruptedException {
    Request r = requests.poll(20, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no webhook request arrived within 20 s");
    }
    return r;
  }

  int received() {
    return requests.size();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
