package dev.warbler.gateway;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's TLS: a server {@link SslContext} (JDK provider) restricted to the configured
 * protocol versions and cipher suites, swapped by {@link #reload}. Client-initiated renegotiation
 * is refused by the JDK itself once {@code jdk.tls.rejectClientInitiatedRenegotiation} is set (the
 * server does so before its first handshake). Each new connection takes the context current when it
 * is accepted, so a reload serves the new certificate to new connections and leaves open ones on
 * the session they negotiated. Thread-safe.
 */
public final class GatewayTls {
  private static final Logger log = LoggerFactory.getLogger(GatewayTls.class);
  private final List<String> protocols;
  private final List<String> cipherSuites;
  private final LongAdder handshakeFailures = new LongAdder();
  private volatile SslContext context;

  /**
   * A context for {@code chain} (leaf first) and its {@code key}, accepting only {@code protocols}
   * (for example {@code TLSv1.3, TLSv1.2}) and, of {@code cipherSuites}, those this JDK has (in
   * that order of preference). Throws {@link IllegalArgumentException} if the JDK cannot build it
   * or has none of the suites.
   */
  public GatewayTls(
      PrivateKey key,
      List<X509Certificate> chain,
      List<String> protocols,
      List<String> cipherSuites) {
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("TLS protocols must not be empty");
    }
    if (cipherSuites.isEmpty()) {
      throw new IllegalArgumentException("TLS cipher suites must not be empty");
    }
    this.protocols = List.copyOf(protocols);
    this.cipherSuites = List.copyOf(cipherSuites);
    this.context = build(key, chain);
  }

  /** Serves {@code chain} and {@code key} to connections accepted from now on. */
  public void reload(PrivateKey key, List<X509Certificate> chain) {
    this.context = build(key, chain);
  }

  /** The protocol versions this context accepts. */
  public List<String> protocols() {
    return protocols;
  }

  /** The cipher suites the served context accepts, in order of preference. */
  public List<String> cipherSuites() {
    return context.cipherSuites();
  }

  /** TLS handshakes that failed (old protocol, plaintext on the TLS port, timeout, ...). */
  public long handshakeFailures() {
    return handshakeFailures.sum();
  }

  /** Puts the TLS handler, and one that counts and quietly closes failed handshakes, first. */
  void install(ChannelPipeline pipeline, ByteBufAllocator alloc, Duration handshakeTimeout) {
    SslHandler handler = context.newHandler(alloc);
    handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
    pipeline.addLast("tls", handler);
    pipeline.addLast("tls-failures", new HandshakeFailures());
  }

  /**
   * A refused handshake is the client's problem (INFO at most), not the server's: counted, logged
   * at debug, connection closed; it never reaches the frame handler as an unexpected error.
   */
  private final class HandshakeFailures extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          handshakeFailures.increment();
          log.debug(
              "TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause());
          ctx.close();
        }
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof DecoderException && cause.getCause() instanceof SSLException
          || cause instanceof SSLException) {
        log.debug("TLS error from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
        return;
      }
      ctx.fireExceptionCaught(cause);
    }
  }

  private SslContext build(PrivateKey key, List<X509Certificate> chain) {
    try {
      SslContext built =
          SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
              .sslProvider(SslProvider.JDK)
              .protocols(protocols)
              .ciphers(cipherSuites, SupportedCipherSuiteFilter.INSTANCE)
              .build();
      if (built.cipherSuites().isEmpty()) {
        throw new IllegalArgumentException("this JDK supports none of " + cipherSuites);
      }
      return built;
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot build the gateway's TLS context: " + e, e);
    }
  }
}
