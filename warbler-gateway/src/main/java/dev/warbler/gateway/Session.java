package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.spi.Push;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;

/**
 * An authenticated connection as {@link dev.warbler.core.sessions.Sessions} sees it: pushes go
 * through the connection's {@link Outbound} admission check, so a connection that does not keep up
 * is closed with 4000 instead of queueing without bound. Made on the event loop when {@code
 * auth_ok} is sent; {@link #push} is called from any thread and never blocks.
 */
final class Session implements Connection {
  private final String app;
  private final String user;
  private final String id;
  private final Encoding encoding;
  private final String tokenId;
  private final RateLimiter.Subject rate;
  private final Outbound out;
  private final PushEncodings encodings;
  private final GatewayTraces traces;

  Session(
      String app,
      String user,
      String id,
      Encoding encoding,
      String tokenId,
      RateLimiter.Subject rate,
      Outbound out,
      PushEncodings encodings,
      GatewayTraces traces) {
    this.app = app;
    this.user = user;
    this.id = id;
    this.encoding = encoding;
    this.tokenId = tokenId;
    this.rate = rate;
    this.out = out;
    this.encodings = encodings;
    this.traces = traces;
  }

  @Override
  public String tokenId() {
    return tokenId;
  }

  @Override
  public String app() {
    return app;
  }

  @Override
  public String user() {
    return user;
  }

  /** The session id sent in {@code auth_ok}: 22 characters. */
  String id() {
    return id;
  }

  /** The user's and the app's rate buckets. */
  RateLimiter.Subject rate() {
    return rate;
  }

  /** The session's user, as the core's request methods take it. */
  Principal principal() {
    return new Principal(app, user);
  }

  /**
   * Never blocks. A message comes on the bus's delivering thread (the store's writer with the
   * in-process bus); state events on event loops, virtual threads or the writer; room events with
   * the room locked, off the event loop. Drops the push and closes with 4000 when the outbound
   * queue is over {@code maxOutboundBytes}: the client will pull a dropped message by seq. Messages
   * and room events are encoded once per encoding for all the connections of a fan-out ({@link
   * PushEncodings}).
   */
  @Override
  public void push(Push push) {
    switch (push) {
      case Push.Message m ->
          traces.push(
              this,
              m.message().conversation().toString(),
              m.message().seq(),
              () -> out.push(encoding, () -> encodings.message(m.message(), encoding)));
      case Push.State e -> out.pushFrame(() -> Frames.pushed(e.event()));
      case Push.Room e -> out.push(encoding, () -> encodings.room(e.event(), encoding));
      case Push.Contact e ->
          out.push(encoding, () -> encoding.codec().encodeServer(SocialFrames.pushed(e.event())));
    }
  }

  @Override
  public void close(CloseCode code, String reason) {
    out.requestClose(code, reason);
  }

  @Override
  public String toString() {
    return "session " + id + " of " + app + "/" + user;
  }
}
