package dev.warbler.cli;

import dev.warbler.protocol.Encoding;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connected client acting as one user: mints the user's token with the admin key (again on every
 * reconnect) and learns the WebSocket address from discovery.
 */
final class ClientSession implements AutoCloseable {
  /** Bounds the whole connect (discovery, handshake, auth, catch-up) of a one-shot command. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  final WarblerClient client;

  private ClientSession(WarblerClient client) {
    this.client = client;
  }

  static ClientSession open(
      ClientOptions options, Environment env, String user, MessageListener listener)
      throws InterruptedException, ExecutionException, TimeoutException {
    WarblerAdmin admin = options.admin(env);
    String app = options.app;
    // Fail fast on a bad key or unknown user before any WebSocket work.
    String first = admin.issueUserToken(app, user, ClientOptions.TOKEN_TTL_SECONDS);
    TokenSupplier tokens =
        new TokenSupplier(
            first, () -> admin.issueUserToken(app, user, ClientOptions.TOKEN_TTL_SECONDS));
    WarblerClient.Builder builder =
        WarblerClient.builder()
            .server(options.server(env))
            .token(tokens)
            .app(app)
            .encoding(Encoding.PROTO)
            .device("warbler-cli")
            .listener(listener);
    options.sslContext(env).ifPresent(builder::sslContext);
    WarblerClient client = builder.build();
    ClientSession session = new ClientSession(client);
    try {
      client.connect().get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return session;
    } catch (InterruptedException | ExecutionException | TimeoutException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  @Override
  public void close() {
    client.close();
  }

  /** Hands out the token minted up front once, then mints a fresh one for each reconnect. */
  private static final class TokenSupplier implements java.util.function.Supplier<String> {
    private String first;
    private final java.util.function.Supplier<String> mint;

    TokenSupplier(String first, java.util.function.Supplier<String> mint) {
      this.first = first;
      this.mint = mint;
    }

    @Override
    public synchronized String get() {
      if (!first.isEmpty()) {
        String token = first;
        first = "";
        return token;
      }
      return mint.get();
    }
  }
}
