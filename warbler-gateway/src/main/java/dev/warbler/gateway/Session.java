package dev.warbler.gateway;

import dev.warbler.core.Principal;
import dev.warbler.core.access.RateLimiter;
import dev.warbler.core.chatrooms.RoomEvent;
import dev.warbler.core.contacts.FriendRequestEvent;
import dev.warbler.core.messaging.ChatMessage;
import dev.warbler.core.spi.Connection;
import dev.warbler.core.state.StateEvent;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.Encoding;

/**
 * An authenticated connection as {@link dev.warbler.core.sessions.Sessions} sees it: pushes go
 * through the connection's {@link Outbound} admission check, so a connection that does not keep up
 * is closed with 4000 instead of queueing without bound. Made on the event loop when {@code
 * auth_ok} is sent; its push methods are called from any thread and never block.
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

  Session(
      String app,
      String user,
      String id,
      Encoding encoding,
      String tokenId,
      RateLimiter.Subject rate,
      Outbound out,
      PushEncodings encodings) {
    this.app = app;
    this.user = user;
    this.id = id;
    this.encoding = encoding;
    this.tokenId = tokenId;
    this.rate = rate;
    this.out = out;
    this.encodings = encodings;
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
   * Called on the bus's delivering thread (the store's writer with the in-process bus); never
   * blocks. Drops the message and closes with 4000 when
   * the outbound queue is over {@code maxOutboundBytes}: the client will pull it by seq.
   */
  @Override
  public void push(ChatMessage message) {
    out.push(encoding, () -> encodings.message(message, encoding));
  }

  /** Called on event loops, virtual threads or the bus's thread; never blocks, like a message. */
  @Override
  public void push(StateEvent event) {
    out.pushFrame(() -> Frames.pushed(event));
  }

  /** Called with the room locked, off the event loop; never blocks. */
  @Override
  public void pushRoom(RoomEvent event) {
    out.push(encoding, () -> encodings.room(event, encoding));
  }

  @Override
  public void pushContact(FriendRequestEvent event) {
    out.push(encoding, () -> encoding.codec().encodeServer(SocialFrames.pushed(event)));
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
