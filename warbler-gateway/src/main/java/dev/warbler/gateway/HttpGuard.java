package dev.warbler.gateway;

import dev.warbler.core.access.TrustedProxies;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Screens the HTTP request before the WebSocket upgrade, in this order: an undecodable request gets
 * 400, a path other than the WebSocket path 404 (the query string is ignored), a request that is
 * not an RFC 6455 upgrade ({@code Upgrade: websocket} and {@code Sec-WebSocket-Version: 13}) 426
 * with {@code Sec-WebSocket-Version: 13}, and an {@code Origin} not in the allowed list 403; a
 * connection over {@code gateway.max-connections-per-ip} gets 429 whatever it asks; each answer
 * closes the connection. A request that passes goes on to Netty's handshake (which answers 400 to a
 * malformed upgrade) and this handler leaves the pipeline, after recording the client's address
 * ({@link #CLIENT_ADDRESS}: the peer's, or from a peer in {@code http.trusted-proxies} the
 * right-most untrusted hop of {@code X-Forwarded-For}).
 */
final class HttpGuard extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(HttpGuard.class);

  /** The only WebSocket version accepted: RFC 6455. Netty would also speak drafts 00, 07, 08. */
  private static final String WEBSOCKET_VERSION = "13";

  /** The client's address, as the audit log and the authentication throttle name it. */
  static final AttributeKey<String> CLIENT_ADDRESS =
      AttributeKey.valueOf(HttpGuard.class, "clientAddress");

  private final String path;
  private final List<String> allowedOrigins;
  private final TrustedProxies proxies;
  private final @Nullable String tooMany;

  HttpGuard(String path, List<String> allowedOrigins, TrustedProxies proxies) {
    this(path, allowedOrigins, proxies, null);
  }

  private HttpGuard(
      String path, List<String> allowedOrigins, TrustedProxies proxies, @Nullable String tooMany) {
    this.path = path;
    this.allowedOrigins = allowedOrigins;
    this.proxies = proxies;
    this.tooMany = tooMany;
  }

  /**
   * A guard that answers every request with 429 Too Many Requests and {@code reason}, then closes:
   * for a connection over a connection limit.
   */
  static HttpGuard refusing(String reason) {
    return new HttpGuard("/", List.of(), TrustedProxies.none(), reason);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (tooMany != null) {
      request.release();
      log.debug("refused a connection from {}: {}", ctx.channel().remoteAddress(), tooMany);
      refuse(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, tooMany);
      return;
    }
    HttpResponseStatus refusal = check(ctx, request);
    if (refusal == HttpResponseStatus.OK) {
      if (!proxies.isEmpty()
          && ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress peer
          && peer.getAddress() != null) {
        ctx.channel()
            .attr(CLIENT_ADDRESS)
            .set(
                proxies.clientAddress(
                    peer.getAddress().getHostAddress(), request.headers().get("X-Forwarded-For")));
      }
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(request);
      return;
    }
    request.release();
    String text =
        refusal == HttpResponseStatus.NOT_FOUND
            ? "not found; WebSocket clients connect to " + path
            : refusal.reasonPhrase();
    refuse(ctx, refusal, text);
  }

  private HttpResponseStatus check(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      log.debug("bad HTTP request from {}", ctx.channel().remoteAddress());
      return HttpResponseStatus.BAD_REQUEST;
    }
    String requested;
    try {
      requested = new QueryStringDecoder(request.uri()).path();
    } catch (IllegalArgumentException e) {
      return HttpResponseStatus.BAD_REQUEST;
    }
    if (!requested.equals(path)) {
      return HttpResponseStatus.NOT_FOUND;
    }
    if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        || !WEBSOCKET_VERSION.equals(
            request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      return HttpResponseStatus.UPGRADE_REQUIRED;
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !allowedOrigins.isEmpty() && !allowedOrigins.contains(origin)) {
      log.info("refused WebSocket upgrade from origin '{}'", clip(origin));
      return HttpResponseStatus.FORBIDDEN;
    }
    return HttpResponseStatus.OK;
  }

  private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status == HttpResponseStatus.UPGRADE_REQUIRED) {
      response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, WEBSOCKET_VERSION);
    }
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
