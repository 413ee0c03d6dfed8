package dev.warbler.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.util.List;

/**
 * Netty's WebSocket server protocol handler (handshake, close handshake) with two things handed to
 * the connection's {@link FrameHandler} instead:
 *
 * <ul>
 *   <li>Pings and pongs. Netty answers a ping itself, from this handler's context: the pong skips
 *       the outbound admission check, so a client that pings without reading queued pongs without
 *       bound, and Netty reads on after each one even while reading is paused. {@link
 *       FrameHandler#controlFrame} charges each against the connection's control-frame budget and
 *       writes the pong through the admission check.
 *   <li>Failures to decode a frame (a protocol violation, a message that inflates past the frame
 *       limit). Netty closes the channel at once; {@link FrameHandler#exceptionCaught} sends the
 *       one close frame with the matching code first.
 * </ul>
 */
final class GatewayProtocolHandler extends WebSocketServerProtocolHandler {
  private final FrameHandler frames;

  GatewayProtocolHandler(WebSocketServerProtocolConfig config, FrameHandler frames) {
    super(config);
    this.frames = frames;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out)
      throws Exception {
    if (frame instanceof PingWebSocketFrame || frame instanceof PongWebSocketFrame) {
      frames.controlFrame(frame); // released by the decoder after this returns
      return;
    }
    super.decode(ctx, frame, out);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (cause instanceof WebSocketHandshakeException) {
      super.exceptionCaught(ctx, cause); // answers 400 and closes
      return;
    }
    ctx.fireExceptionCaught(cause); // FrameHandler closes, with a close frame when it can
  }
}
