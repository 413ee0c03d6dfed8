package dev.warbler.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.Error;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** JSON over HTTP for the REST API: requests, problem+json errors, and discovery. */
final class Rest {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI base;
  private final Duration timeout;
  private final Optional<String> bearer;

  Rest(HttpClient http, URI base, Duration timeout, Optional<String> bearer) {
    this.http = http;
    this.base = base;
    this.timeout = timeout;
    this.bearer = bearer;
  }

  URI base() {
    return base;
  }

  /**
   * Sends a request and waits for the answer: the parsed JSON body (an empty object for an empty
   * body). Throws {@link WarblerClientException} for an error status and {@link
   * UncheckedIOException} when the server cannot be reached or does not answer in time.
   *
   * <p>Synchronous on purpose: {@code HttpClient.sendAsync} completes its future on the common
   * ForkJoin pool, so it stalls whenever the application keeps that pool's workers blocked; {@code
   * send} runs on the calling thread.
   */
  JsonNode call(String method, String path, Optional<JsonNode> body) {
    URI uri = resolve(path);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
    bearer.ifPresent(key -> request.header("Authorization", "Bearer " + key));
    if (body.isPresent()) {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.get().toString()));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response;
    try {
      response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(
          new IOException("cannot reach " + uri + ": " + describe(e), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(
          new java.io.InterruptedIOException("interrupted while calling " + uri));
    }
    return parse(method, uri, response);
  }

  private URI resolve(String path) {
    String root = base.toString();
    return URI.create((root.endsWith("/") ? root.substring(0, root.length() - 1) : root) + path);
  }

  private static JsonNode parse(String method, URI uri, HttpResponse<String> response) {
    int status = response.statusCode();
    String text = response.body();
    if (status >= 200 && status < 300) {
      if (text.isBlank()) {
        return JSON.createObjectNode();
      }
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new UncheckedIOException(
            new IOException(method + " " + uri + " answered " + status + " with invalid JSON", e));
      }
    }
    throw problem(status, text);
  }

  /**
   * The exception for an error answer: its problem+json, or a catalog code that fits the status.
   */
  static WarblerClientException problem(int status, String text) {
    JsonNode node;
    try {
      node = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    } catch (IOException e) {
      node = JSON.createObjectNode();
    }
    ErrorCode fallback = fallbackCode(status);
    Error.Builder error = Error.newBuilder();
    if (node.path("code").isNumber()) {
      int code = node.get("code").asInt();
      error
          .setCode(code)
          .setName(
              node.path("title")
                  .asText(ErrorCode.of(code).map(Enum::name).orElse("HTTP_" + status)))
          .setMessage(node.path("detail").asText(""))
          .setRetryable(
              node.path("retryable")
                  .asBoolean(ErrorCode.of(code).map(ErrorCode::retryable).orElse(false)));
      if (node.path("retryAfterMs").isNumber()) {
        error.setRetryAfterMs(node.get("retryAfterMs").asLong());
      }
    } else {
      String clipped = text.length() > 200 ? text.substring(0, 200) + "..." : text;
      error
          .setCode(fallback.code())
          .setName(fallback.name())
          .setMessage("HTTP " + status + (clipped.isBlank() ? "" : ": " + clipped.strip()))
          .setRetryable(fallback.retryable());
    }
    return new WarblerClientException(error.build(), status);
  }

  private static ErrorCode fallbackCode(int status) {
    return switch (status) {
      case 401 -> ErrorCode.UNAUTHENTICATED;
      case 403 -> ErrorCode.FORBIDDEN;
      case 404 -> ErrorCode.NOT_FOUND;
      case 409 -> ErrorCode.ALREADY_EXISTS;
      case 413 -> ErrorCode.MESSAGE_TOO_LARGE;
      case 429 -> ErrorCode.RATE_LIMITED;
      case 503 -> ErrorCode.UNAVAILABLE;
      default -> status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
    };
  }

  /** {@code GET /v1/discovery}. */
  Discovery discovery() {
    return discoveryOf(call("GET", "/v1/discovery", Optional.empty()));
  }

  static Discovery discoveryOf(JsonNode node) {
    String websocket = node.path("websocket").asText("");
    if (websocket.isEmpty()) {
      throw new IllegalStateException("the discovery answer has no websocket address: " + node);
    }
    List<String> protocols = new ArrayList<>();
    node.path("protocols").forEach(p -> protocols.add(p.asText()));
    return new Discovery(URI.create(websocket), protocols, node.path("version").asText(""));
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
