package dev.warbler.server;

import dev.warbler.core.spi.WebhookTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Webhook requests over the JDK's HTTP client: the target is checked against {@link WebhookTargets}
 * before each attempt, no redirect is followed (a 3xx is an answer like any non-2xx one), the
 * connection and the whole exchange are bounded by {@code webhooks.connect-timeout-ms} and {@code
 * webhooks.timeout-ms}, and at most {@code webhooks.max-response-bytes} of the answer are read (for
 * the delivery log). Thread-safe.
 */
final class HttpWebhookTransport implements WebhookTransport {
  private final WebhookTargets targets;
  private final HttpClient client;
  private final Duration timeout;
  private final int maxResponseBytes;

  HttpWebhookTransport(
      WebhookTargets targets, Duration connectTimeout, Duration timeout, int maxResponseBytes) {
    this.targets = targets;
    this.timeout = timeout;
    this.maxResponseBytes = maxResponseBytes;
    this.client =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  @Override
  public Optional<String> refusal(String url) {
    return targets.refusal(url);
  }

  @Override
  public Outcome post(String url, Map<String, String> headers, String body) {
    return post(url, headers, body, timeout, maxResponseBytes);
  }

  @Override
  public Outcome post(
      String url, Map<String, String> headers, String body, Duration timeout, int maxAnswerBytes) {
    Optional<String> refused = targets.refusal(url);
    if (refused.isPresent()) {
      return new Outcome.Refused(refused.get());
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(timeout)
            .header("User-Agent", "Warbler-Webhooks/1")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    try {
      HttpResponse<InputStream> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      String start;
      try (InputStream in = response.body()) {
        start = new String(in.readNBytes(maxAnswerBytes), StandardCharsets.UTF_8);
      }
      return new Outcome.Answered(response.statusCode(), start);
    } catch (HttpTimeoutException e) {
      return new Outcome.Failed("timed out (webhooks.timeout-ms)");
    } catch (IOException e) {
      return new Outcome.Failed(
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome.Failed("interrupted");
    } catch (IllegalArgumentException e) {
      return new Outcome.Refused("not a valid URL");
    }
  }
}
