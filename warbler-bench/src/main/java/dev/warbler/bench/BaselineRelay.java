package dev.warbler.bench;

import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Message;
import dev.warbler.protocol.v1.Pong;
import dev.warbler.protocol.v1.Send;
import dev.warbler.protocol.v1.SendAck;
import dev.warbler.protocol.v1.ServerFrame;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline: a minimal Netty WebSocket relay with no Warbler logic. It speaks just enough of
 * {@code warbler.v1.proto} for the same load client: auth answers auth_ok for the user named by the
 * token, send is acked with a per-conversation seq and forwarded to the addressee if connected,
 * ping answers pong. Nothing is stored, nothing is checked.
 */
final class BaselineRelay implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private final Map<String, Channel> online = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> seqs = new ConcurrentHashMap<>();

  private BaselineRelay(int threads) {
    boolean epoll = Epoll.isAvailable();
    group =
        new MultiThreadIoEventLoopGroup(
            threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    server =
        new ServerBootstrap()
            .group(group)
            .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(65_536))
                        .addLast(new WebSocketServerProtocolHandler("/ws", LoadClient.SUBPROTOCOL))
                        .addLast(new Relay());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .syncUninterruptibly()
            .channel();
  }

  static BaselineRelay start(int threads) {
    return new BaselineRelay(threads);
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  private final class Relay extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
    private String user = "";

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame frame)
        throws IOException {
      ClientFrame f;
      try (ByteBufInputStream in = new ByteBufInputStream(frame.content())) {
        f = ClientFrame.parseFrom(in);
      }
      ServerFrame.Builder reply = ServerFrame.newBuilder().setId(f.getId());
      switch (f.getBodyCase()) {
        case AUTH -> {
          user = f.getAuth().getToken();
          online.put(user, ctx.channel());
          reply.setAuthOk(AuthOk.newBuilder().setUser(user));
        }
        case PING -> reply.setPong(Pong.getDefaultInstance());
        case SEND -> {
          Send s = f.getSend();
          String to = s.getUser();
          String conversation =
              user.compareTo(to) < 0 ? "d:" + user + ":" + to : "d:" + to + ":" + user;
          long seq = seqs.computeIfAbsent(conversation, c -> new AtomicLong()).incrementAndGet();
          reply.setSendAck(
              SendAck.newBuilder()
                  .setConversation(conversation)
                  .setSeq(seq)
                  .setClientMsgId(s.getClientMsgId()));
          Channel partner = online.get(to);
          if (partner != null) {
            write(
                partner,
                ServerFrame.newBuilder()
                    .setMessage(
                        Message.newBuilder()
                            .setConversation(conversation)
                            .setSeq(seq)
                            .setFrom(user)
                            .setClientMsgId(s.getClientMsgId())
                            .setType(s.getType())
                            .setText(s.getText())
                            .setSentAt(System.currentTimeMillis()))
                    .build());
          }
        }
        default -> {
          return;
        }
      }
      write(ctx.channel(), reply.build());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      online.remove(user, ctx.channel());
      super.channelInactive(ctx);
    }
  }

  private static void write(Channel ch, ServerFrame frame) {
    ch.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
