package dev.warbler.sdk.consumer;

import dev.warbler.sdk.WarblerClient;
import java.net.URI;
import java.time.Duration;

/**
 * An app that uses the SDK and nothing else, as {@code SdkAsDependencyTest} runs it: connects to a
 * port where nothing listens (so the SDK logs its reconnects), then exits 0.
 */
public final class ConsumerMain {
  private ConsumerMain() {}

  public static void main(String[] args) throws Exception {
    WarblerClient client =
        WarblerClient.builder()
            .webSocket(URI.create("ws://127.0.0.1:" + args[0] + "/ws"))
            .token(() -> "not-a-token")
            .listener(m -> {})
            .build();
    try {
      client
          .connect()
          .get(Duration.ofSeconds(3).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception expected) {
      System.out.println("connect failed as expected: " + expected.getClass().getSimpleName());
    } finally {
      client.close();
    }
  }
}
