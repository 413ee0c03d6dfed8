package dev.warbler.gateway;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.Auth;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.JoinChatroom;
import dev.warbler.protocol.v1.ServerFrame;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Many protocol clients on one small Netty event loop group, for tests that need thousands of
 * connections: the JDK's WebSocket client (used by {@code RawClient}) costs a selector thread per
 * client. Each client speaks the binary encoding, authenticates, joins one chatroom and records the
 * chatroom messages it is pushed; nothing else. Thread-safe counters; the test thread reads them.
 */
final class LightClients implements AutoCloseable {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final List<Channel> channels = new CopyOnWriteArrayList<>();

  /** Clients whose join was answered with chatroom_joined. */
  final AtomicInteger joined = new AtomicInteger();

  /** Frames other than the expected ones (errors, closes), for the failure message. */
  final List<String> problems = new CopyOnWriteArrayList<>();

  /** Chatroom message seqs received, per client index. */
  final Map<Integer, List<Long>> received = new ConcurrentHashMap<>();

  /**
   * Opens {@code count} clients; client {@code i} authenticates with {@code tokens.apply(i)} and
   * joins {@code room}. Returns at once: wait on {@link #joined}.
   */
  void open(URI ws, int count, IntFunction<String> tokens, String room) {
    Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class);
    for (int i = 0; i < count; i++) {
      int index = i;
      received.put(index, new CopyOnWriteArrayList<>());
      String token = tokens.apply(i);
      bootstrap
          .handler(
              new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                  ch.pipeline()
                      .addLast(new HttpClientCodec())
                      .addLast(new HttpObjectAggregator(8192))
                      .addLast(
                          new WebSocketClientProtocolHandler(
                              WebSocketClientProtocolConfig.newBuilder()
                                  .webSocketUri(ws)
                                  .subprotocol(Encoding.PROTO.subprotocol())
                                  .handshakeTimeoutMillis(30_000)
                                  .build()))
                      .addLast(new WebSocketFrameAggregator(1 << 20))
                      .addLast(new Client(index, token, room));
                }
              })
          .connect(ws.getHost(), ws.getPort())
          .addListener(f -> {
            if (f.isSuccess()) {
              channels.add(((io.netty.channel.ChannelFuture) f).channel());
            } else {
              problems.add("client " + index + " could not connect: " + f.cause());
            }
          });
    }
  }

  /** Total chatroom messages received by all clients. */
  int totalReceived() {
    return received.values().stream().mapToInt(List::size).sum();
  }

  /** Clients that received exactly {@code seqs}, in that order. */
  int clientsThatReceived(List<Long> seqs) {
    return (int) received.values().stream().filter(seqs::equals).count();
  }

  @Override
  public void close() {
    List<Channel> open = new ArrayList<>(channels);
    open.forEach(Channel::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Client extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
    private final int index;
    private final String token;
    private final String room;

    Client(int index, String token, String room) {
      this.index = index;
      this.token = token;
      this.room = room;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        send(ctx, ClientFrame.newBuilder().setId("a").setAuth(Auth.newBuilder().setToken(token)));
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame msg) {
      ServerFrame frame = Encoding.PROTO.codec().decodeServer(ByteBufUtil.getBytes(msg.content()));
      switch (frame.getBodyCase()) {
        case AUTH_OK ->
            send(
                ctx,
                ClientFrame.newBuilder()
                    .setId("j")
                    .setJoinChatroom(JoinChatroom.newBuilder().setRoom(room)));
        case CHATROOM_JOINED -> joined.incrementAndGet();
        case CHATROOM_MESSAGE ->
            received.get(index).add(frame.getChatroomMessage().getMessage().getSeq());
        default -> problems.add("client " + index + " got " + frame);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      problems.add("client " + index + " was disconnected");
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      problems.add("client " + index + " failed: " + cause);
      ctx.close();
    }

    private void send(ChannelHandlerContext ctx, ClientFrame.Builder frame) {
      ctx.writeAndFlush(
          new BinaryWebSocketFrame(
              Unpooled.wrappedBuffer(Encoding.PROTO.codec().encodeClient(frame.build()))));
    }
  }
}
