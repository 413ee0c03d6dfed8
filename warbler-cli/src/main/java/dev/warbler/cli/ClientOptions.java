package dev.warbler.cli;

import dev.warbler.sdk.TrustedCertificates;
import dev.warbler.sdk.WarblerAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/** The options every client command takes: where the server is, which app, which admin key. */
public final class ClientOptions {
  /** Where the server's REST API listens when neither --server nor WARBLER_SERVER says. */
  static final String DEFAULT_SERVER = "http://127.0.0.1:8080";

  /** How long a minted user token lives; long enough for a chat session, renewed on reconnect. */
  static final long TOKEN_TTL_SECONDS = 3_600;

  @CommandLine.Option(
      names = "--server",
      paramLabel = "URL",
      description = "server HTTP address (default: $WARBLER_SERVER, else " + DEFAULT_SERVER + ")")
  @Nullable String server;

  @CommandLine.Option(
      names = "--app",
      paramLabel = "ID",
      defaultValue = "default",
      description = "app id (default: ${DEFAULT-VALUE})")
  String app = "default";

  @CommandLine.Option(
      names = "--admin-key-file",
      paramLabel = "FILE",
      description =
          "file holding the admin key (default: $WARBLER_ADMIN_KEY, else"
              + " $WARBLER_DATA_DIR/admin.key or ./data/admin.key)")
  @Nullable Path adminKeyFile;

  @CommandLine.Option(
      names = "--ca-file",
      paramLabel = "FILE",
      description =
          "PEM file of the CA (or self-signed certificate) to trust for https/wss, instead of the"
              + " system trust store (default: $WARBLER_CA_FILE)")
  @Nullable Path caFile;

  /**
   * The TLS context trusting --ca-file (else WARBLER_CA_FILE); empty means the JVM's default, which
   * trusts the system store.
   */
  Optional<SSLContext> sslContext(Environment env) {
    Optional<Path> file =
        Optional.ofNullable(caFile).or(() -> env.variable("WARBLER_CA_FILE").map(Path::of));
    if (file.isEmpty()) {
      return Optional.empty();
    }
    Path resolved = env.workingDirectory().resolve(file.get());
    try {
      return Optional.of(TrustedCertificates.sslContext(resolved));
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new CliException("--ca-file " + file.get() + ": " + e.getMessage());
    }
  }

  URI server(Environment env) {
    String text = server != null ? server : env.variable("WARBLER_SERVER").orElse(DEFAULT_SERVER);
    try {
      URI uri = URI.create(text.strip());
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new CliException(
          "--server must be an http(s) URL like " + DEFAULT_SERVER + " but was '" + text + "'");
    }
  }

  /**
   * The admin key: --admin-key-file, else WARBLER_ADMIN_KEY, else the key file the server generates
   * in its data directory.
   */
  String adminKey(Environment env) {
    if (adminKeyFile != null) {
      return readKey(env.workingDirectory().resolve(adminKeyFile))
          .orElseThrow(() ->
              new CliException("admin key file " + adminKeyFile + " does not exist or is empty"));
    }
    Optional<String> fromEnv = env.variable("WARBLER_ADMIN_KEY").map(String::strip);
    if (fromEnv.isPresent()) {
      return fromEnv.get();
    }
    Path dataDir = Path.of(env.variable("WARBLER_DATA_DIR").orElse("data"));
    Path file = env.workingDirectory().resolve(dataDir).resolve("admin.key");
    return readKey(file)
        .orElseThrow(() ->
            new CliException(
                "no admin key: set WARBLER_ADMIN_KEY, pass --admin-key-file, or run from the"
                    + " directory holding "
                    + dataDir.resolve("admin.key")
                    + " (the server writes it on first start)"));
  }

  private static Optional<String> readKey(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      String key = Files.readString(file, StandardCharsets.UTF_8).strip();
      return key.isEmpty() ? Optional.empty() : Optional.of(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the admin key from " + file, e);
    }
  }

  WarblerAdmin admin(Environment env) {
    Optional<SSLContext> tls = sslContext(env);
    return tls.isPresent()
        ? WarblerAdmin.create(server(env), adminKey(env), tls.get())
        : WarblerAdmin.create(server(env), adminKey(env));
  }
}
