package dev.warbler.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.v1.AuthOk;
import dev.warbler.protocol.v1.Message;
import dev.warbler.sdk.Backoff;
import dev.warbler.sdk.Discovery;
import dev.warbler.sdk.MessageListener;
import dev.warbler.sdk.TrustedCertificates;
import dev.warbler.sdk.WarblerAdmin;
import dev.warbler.sdk.WarblerClient;
import dev.warbler.server.TestCertificates.Generated;
import dev.warbler.testkit.RawSocket;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A real node with TLS on both listeners, from a self-signed certificate generated here: the SDK
 * and the CLI over wss:// and https://, refused protocol versions and plaintext, certificate
 * reloads.
 *
 * <p>The JDK disables TLS 1.0 and 1.1 by itself; this module's failsafe run allows them again
 * ({@code legacy-tls-allowed.security}), and {@link #tls11IsRefusedOnBothPorts} first proves that a
 * TLS 1.1 handshake works in this JVM, so the refusal it sees is Warbler's.
 */
class TlsIT {
  private static final String KEY = "tls-it-admin-key-0123456789-padded-to-be-strong-0123456789";
  private static final String APP = "default";
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final AtomicInteger ids = new AtomicInteger();

  @TempDir Path dir;
  private Path certFile;
  private Path keyFile;
  private Generated first;
  private WarblerServer node;
  private final List<WarblerClient> clients = new ArrayList<>();

  @BeforeEach
  void writeCertificate() {
    certFile = dir.resolve("server.crt.pem");
    keyFile = dir.resolve("server.key.pem");
    first = TestCertificates.ec("warbler-first", 1001);
    first.writeTo(certFile, keyFile);
  }

  @AfterEach
  void stop() {
    clients.forEach(WarblerClient::close);
    if (node != null) {
      node.close();
    }
  }

  private WarblerServer start(Map<Setting, String> extra) {
    Settings s =
        Settings.defaults()
            .with(Setting.DATA_DIR, dir.resolve("data").toString())
            .with(Setting.GATEWAY_HOST, "127.0.0.1")
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.GATEWAY_PORT, "0")
            .with(Setting.HTTP_PORT, "0")
            .with(Setting.AUTH_ADMIN_KEY, KEY)
            .with(Setting.TLS_ENABLED, "true")
            .with(Setting.TLS_CERT_FILE, certFile.toString())
            .with(Setting.TLS_KEY_FILE, keyFile.toString());
    for (Map.Entry<Setting, String> e : extra.entrySet()) {
      s = s.with(e.getKey(), e.getValue());
    }
    node = WarblerServer.start(s);
    return node;
  }

  private URI https() {
    return URI.create("https://127.0.0.1:" + node.httpPort());
  }

  private WarblerClient connect(String user, SSLContext trust, MessageListener listener)
      throws Exception {
    WarblerAdmin admin = WarblerAdmin.create(https(), KEY, trust);
    WarblerClient client =
        WarblerClient.builder()
            .server(https())
            .sslContext(trust)
            .token(() -> admin.issueUserToken(APP, user, 600))
            .app(APP)
            .listener(listener)
            .backoff(new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)))
            .build();
    clients.add(client);
    client.connect().get(10, TimeUnit.SECONDS);
    return client;
  }

  private static String direct(String a, String b) {
    return a.compareTo(b) < 0 ? "d:" + a + ":" + b : "d:" + b + ":" + a;
  }

  static final class Recorder implements MessageListener {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final AtomicInteger connects = new AtomicInteger();
    final List<Integer> disconnects = new CopyOnWriteArrayList<>();

    @Override
    public void onMessage(Message message) {
      messages.add(message);
    }

    @Override
    public void onConnected(AuthOk session) {
      connects.incrementAndGet();
    }

    @Override
    public void onDisconnected(int closeCode, String reason) {
      disconnects.add(closeCode);
    }
  }

  // ---- the SDK and the CLI over TLS ----------------------------------------------------------

  @Test
  void theSdkExchangesMessagesOverWssAfterHttpsDiscovery() throws Exception {
    start(Map.of());
    SSLContext trust = TrustedCertificates.sslContext(certFile);
    WarblerAdmin admin = WarblerAdmin.create(https(), KEY, trust);
    String alice = "alice" + ids.incrementAndGet();
    String bob = "bob" + ids.incrementAndGet();
    admin.createUser(APP, alice, "");
    admin.createUser(APP, bob, "");

    Discovery discovery = admin.discovery();
    assertThat(discovery.websocket())
        .isEqualTo(URI.create("wss://127.0.0.1:" + node.webSocketPort() + "/ws"));

    Recorder bobSees = new Recorder();
    WarblerClient aliceClient = connect(alice, trust, new Recorder());
    connect(bob, trust, bobSees);
    aliceClient.sendText(bob, "over tls").get(10, TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> bobSees.messages.size() == 1);
    assertThat(bobSees.messages.getFirst().getText()).isEqualTo("over tls");
    assertThat(bobSees.messages.getFirst().getConversation()).isEqualTo(direct(alice, bob));
  }

  @Test
  void clientsVerifyTheCertificateUnlessToldToTrustIt() {
    start(Map.of());

    // The JVM's trust store does not know the self-signed certificate: refused.
    assertThatThrownBy(() -> WarblerAdmin.create(https(), KEY).discovery())
        .isInstanceOf(UncheckedIOException.class);
    // Trusting another certificate does not help either.
    Path other = dir.resolve("other.pem");
    TestCertificates.write(
        other, TestCertificates.pem(TestCertificates.ec("other", 7).certificate()));
    assertThatThrownBy(() ->
            WarblerAdmin.create(https(), KEY, TrustedCertificates.sslContext(other)).discovery())
        .isInstanceOf(UncheckedIOException.class);
  }

  record Run(int exit, String out, String err) {}

  private Run cli(List<String> extra, String... args) throws IOException {
    Path key = dir.resolve("admin.key");
    Files.writeString(key, KEY);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", https().toString(), "--admin-key-file", key.toString()));
    all.addAll(extra);
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void theCliSpeaksHttpsAndWssWithCaFile() throws Exception {
    start(Map.of());
    List<String> ca = List.of("--ca-file", certFile.toString());
    String alice = "cli-alice" + ids.incrementAndGet();
    String bob = "cli-bob" + ids.incrementAndGet();

    Run untrusted = cli(List.of(), "user", "create", alice);
    assertThat(untrusted.exit()).isNotZero();

    assertThat(cli(ca, "user", "create", alice).exit()).isZero();
    assertThat(cli(ca, "user", "create", bob).exit()).isZero();
    Run sent = cli(ca, "send", "--as", alice, "--to", bob, "hello", "over", "wss");
    assertThat(sent.exit()).as(sent.err()).isZero();
    Run history = cli(ca, "history", "--as", bob, "--with", alice);
    assertThat(history.exit()).as(history.err()).isZero();
    assertThat(history.out()).contains("hello over wss");
  }

  @Test
  void auditVerifyTrustsTheCaFileLikeTheOtherCommands() throws Exception {
    start(Map.of());
    WarblerAdmin.create(https(), KEY, TrustedCertificates.sslContext(certFile))
        .createUser(APP, "audited" + ids.incrementAndGet(), "");
    Map<String, String> env =
        Map.of("WARBLER_ADMIN_KEY", KEY, "WARBLER_DATA_DIR", dir.resolve("data").toString());
    java.util.function.BiFunction<Map<String, String>, List<String>, Run> verify =
        (vars, args) -> {
          AuditCommand.Verify command = new AuditCommand.Verify();
          command.env = vars;
          java.io.StringWriter out = new java.io.StringWriter();
          java.io.StringWriter err = new java.io.StringWriter();
          picocli.CommandLine cli = new picocli.CommandLine(command);
          cli.setOut(new java.io.PrintWriter(out));
          cli.setErr(new java.io.PrintWriter(err));
          List<String> all = new ArrayList<>(List.of("--server", https().toString()));
          all.addAll(args);
          int code = cli.execute(all.toArray(String[]::new));
          return new Run(code, out.toString(), err.toString());
        };
    Run untrusted = verify.apply(env, List.of());
    assertThat(untrusted.exit()).as(untrusted.err()).isEqualTo(2);
    Run withFlag = verify.apply(env, List.of("--ca-file", certFile.toString()));
    assertThat(withFlag.exit()).as(withFlag.err()).isZero();
    assertThat(withFlag.out()).startsWith("ok: ");
    Map<String, String> withCa = new java.util.HashMap<>(env);
    withCa.put("WARBLER_CA_FILE", certFile.toString());
    assertThat(verify.apply(withCa, List.of()).exit()).isZero();
  }

  // ---- refused protocol versions and plaintext -----------------------------------------------

  @Test
  void tls11IsRefusedOnBothPorts() throws Exception {
    start(Map.of());
    // Control: this JVM can speak TLS 1.1 with a server that allows it.
    assertThat(controlHandshake("TLSv1.1")).isEqualTo("TLSv1.1");

    for (int port : new int[] {node.webSocketPort(), node.httpPort()}) {
      // Refused for its version (protocol_version), not only because no cipher suite matched.
      assertThatThrownBy(() -> handshake(port, "TLSv1.1"))
          .as("TLSv1.1 on port %d", port)
          .isInstanceOf(SSLException.class)
          .hasMessageContaining("protocol_version");
      assertThatThrownBy(() -> handshake(port, "TLSv1"))
          .as("TLSv1 on port %d", port)
          .isInstanceOf(SSLException.class)
          .hasMessageContaining("protocol_version");
      assertThat(handshake(port, "TLSv1.2").getProtocol()).isEqualTo("TLSv1.2");
      assertThat(handshake(port, "TLSv1.3").getProtocol()).isEqualTo("TLSv1.3");
    }
    assertThat(metric("warbler_tls_handshake_failures_total", "listener=\"gateway\""))
        .isGreaterThanOrEqualTo(2);
    assertThat(metric("warbler_tls_handshake_failures_total", "listener=\"http\""))
        .isGreaterThanOrEqualTo(2);
  }

  // ---- the cipher policy and renegotiation ----------------------------------------------------

  @Test
  void withAnEcCertificateOnlyAeadSuitesAreServedOnBothPorts() throws Exception {
    start(Map.of());
    List<String> refused =
        List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA");
    // Control: this JVM negotiates each with a bare JDK server holding the same certificate.
    for (String suite : refused) {
      assertThat(controlHandshake("TLSv1.2", suite, first).getCipherSuite()).isEqualTo(suite);
    }

    for (int port : new int[] {node.webSocketPort(), node.httpPort()}) {
      assertRefused(port, refused);
      assertServed(
          port,
          List.of(
              "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
              "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"));
      assertThat(handshake(port, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256").getCipherSuite())
          .isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    }
  }

  @Test
  void withAnRsaCertificateCbcSha1AndFiniteFieldDheAreRefusedOnBothPorts() throws Exception {
    Generated rsa = TestCertificates.rsa("warbler-rsa", 2001);
    rsa.writeTo(certFile, keyFile);
    start(Map.of());
    // CBC with a SHA-1 MAC, CBC with SHA-256, and DHE even with an AEAD cipher.
    List<String> refused =
        List.of(
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
    for (String suite : refused) {
      assertThat(controlHandshake("TLSv1.2", suite, rsa).getCipherSuite()).isEqualTo(suite);
    }

    for (int port : new int[] {node.webSocketPort(), node.httpPort()}) {
      assertRefused(port, refused);
      assertServed(
          port,
          List.of(
              "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"));
    }
  }

  private static void assertRefused(int port, List<String> suites) {
    for (String suite : suites) {
      assertThatThrownBy(() -> handshake(port, "TLSv1.2", suite))
          .as("%s on port %d", suite, port)
          .isInstanceOf(SSLException.class)
          .hasMessageContaining("handshake_failure");
    }
  }

  private static void assertServed(int port, List<String> suites) throws Exception {
    for (String suite : suites) {
      assertThat(handshake(port, "TLSv1.2", suite).getCipherSuite())
          .as("%s on port %d", suite, port)
          .isEqualTo(suite);
    }
  }

  @Test
  void aTls12ClientThatRenegotiatesIsRefusedOnBothPorts() throws Exception {
    start(Map.of());

    // Gateway: a WebSocket that answers pings, until the client asks to renegotiate.
    try (SSLSocket socket = tls12Socket(node.webSocketPort())) {
      socket.startHandshake();
      socket.getOutputStream().write(RawSocket.upgradeRequest("127.0.0.1", "/ws", Encoding.JSON));
      assertThat(head(socket)).startsWith("HTTP/1.1 101");
      assertThat(pingPong(socket)).as("gateway before").isEqualTo("pong");

      socket.startHandshake(); // on TLS 1.2: a new ClientHello on the open connection

      assertThat(pingPong(socket))
          .as("gateway after the client asked to renegotiate")
          .startsWith("refused");
    }
    // REST: a keep-alive connection that answers requests, until the same.
    try (SSLSocket socket = tls12Socket(node.httpPort())) {
      socket.startHandshake();
      assertThat(get(socket, "/healthz")).as("http before").startsWith("HTTP/1.1 200");

      socket.startHandshake();

      assertThat(get(socket, "/healthz"))
          .as("http after the client asked to renegotiate")
          .startsWith("refused");
    }
  }

  /** A TLS 1.2 socket, connected and not yet shaken hands. */
  private static SSLSocket tls12Socket(int port) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, ANY, null);
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(5_000);
    socket.setEnabledProtocols(new String[] {"TLSv1.2"});
    return socket;
  }

  /** An HTTP answer's head, up to the blank line. */
  private static String head(SSLSocket socket) throws IOException {
    StringBuilder head = new StringBuilder();
    java.io.InputStream in = socket.getInputStream();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new java.io.EOFException("closed after " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /** A WebSocket ping and its pong: "pong", or "refused: why" when the connection fails. */
  private static String pingPong(SSLSocket socket) {
    try {
      socket.getOutputStream().write(RawSocket.ping(new byte[] {1, 2, 3}));
      socket.getOutputStream().flush();
      java.io.InputStream in = socket.getInputStream();
      int b0 = in.read();
      int length = in.read(); // a server frame is unmasked; a pong carries at most 125 bytes
      if (b0 < 0 || length < 0) {
        return "refused: closed";
      }
      in.readNBytes(length & 0x7f);
      return (b0 & 0x0f) == RawSocket.PONG ? "pong" : "opcode " + (b0 & 0x0f);
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  /** A keep-alive GET and its whole answer's status line, or "refused: why". */
  private static String get(SSLSocket socket, String path) {
    try {
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String head = head(socket);
      java.util.regex.Matcher length =
          java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      if (length.find()) {
        socket.getInputStream().readNBytes(Integer.parseInt(length.group(1)));
      }
      return head.lines().findFirst().orElse("");
    } catch (IOException e) {
      return "refused: " + e;
    }
  }

  @Test
  void theProtocolsSettingIsHonouredOnBothPorts() throws Exception {
    start(Map.of(Setting.TLS_PROTOCOLS, "TLSv1.3"));

    for (int port : new int[] {node.webSocketPort(), node.httpPort()}) {
      assertThatThrownBy(() -> handshake(port, "TLSv1.2"))
          .as("TLSv1.2 on port %d", port)
          .isInstanceOf(SSLException.class)
          .hasMessageContaining("protocol_version");
      assertThat(handshake(port, "TLSv1.3").getProtocol()).isEqualTo("TLSv1.3");
    }
  }

  @Test
  void plaintextClientsAreRefusedOnTheTlsPorts() throws Exception {
    start(Map.of());
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/healthz"))
            .timeout(Duration.ofSeconds(10))
            .build();
    assertThatThrownBy(() -> plain.send(get, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);

    CompletableFuture<WebSocket> ws =
        plain
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .buildAsync(
                URI.create("ws://127.0.0.1:" + node.webSocketPort() + "/ws"),
                new WebSocket.Listener() {});
    assertThatThrownBy(() -> ws.get(15, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);

    // The same over TLS works: the refusal is about plaintext.
    HttpClient tls =
        HttpClient.newBuilder().sslContext(TrustedCertificates.sslContext(certFile)).build();
    HttpResponse<String> ok =
        tls.send(
            HttpRequest.newBuilder(URI.create(https() + "/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.sslSession()).isPresent();
  }

  // ---- reload --------------------------------------------------------------------------------

  @Test
  void aReplacedCertificateReachesNewConnectionsWhileOpenOnesKeepWorking() throws Exception {
    start(Map.of(Setting.TLS_RELOAD_INTERVAL_SECONDS, "1"));
    Generated second = TestCertificates.ec("warbler-second", 2002);
    Path trustBoth = dir.resolve("trust.pem");
    TestCertificates.write(
        trustBoth,
        TestCertificates.pem(first.certificate()) + TestCertificates.pem(second.certificate()));
    SSLContext trust = TrustedCertificates.sslContext(trustBoth);
    WarblerAdmin admin = WarblerAdmin.create(https(), KEY, trust);
    String alice = "alice" + ids.incrementAndGet();
    String bob = "bob" + ids.incrementAndGet();
    admin.createUser(APP, alice, "");
    admin.createUser(APP, bob, "");
    Recorder aliceSees = new Recorder();
    WarblerClient aliceClient = connect(alice, trust, aliceSees);
    assertThat(served(node.webSocketPort()).getSerialNumber()).isEqualTo(first.serial());

    second.writeTo(certFile, keyFile);

    // Within the reload interval (plus slack for a loaded machine) new connections get it.
    await()
        .atMost(WAIT)
        .until(() ->
            served(node.webSocketPort()).getSerialNumber().equals(second.serial())
                && served(node.httpPort()).getSerialNumber().equals(second.serial()));
    assertThat(served(node.httpPort()).getSubjectX500Principal().getName())
        .isEqualTo("CN=warbler-second");
    Recorder bobSees = new Recorder();
    connect(bob, trust, bobSees);
    // Alice's connection, opened under the first certificate, still carries messages both ways.
    aliceClient.sendText(bob, "after the reload").get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> bobSees.messages.size() == 1);
    clients.get(1).sendText(alice, "still here").get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> aliceSees.messages.size() == 2);
    assertThat(aliceSees.connects.get()).isEqualTo(1);
    assertThat(aliceSees.disconnects).isEmpty();
    assertThat(metric("warbler_tls_reloads_total", "result=\"success\"")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aBrokenReplacementKeepsTheServedCertificate() throws Exception {
    start(Map.of(Setting.TLS_RELOAD_INTERVAL_SECONDS, "1"));
    assertThat(metric("warbler_tls_reloads_total", "result=\"failure\"")).isZero();

    // Not PEM at all.
    TestCertificates.write(certFile, "-----BEGIN CERTIFICATE-----\ngarbage\n");
    await()
        .atMost(WAIT)
        .until(() -> metric("warbler_tls_reloads_total", "result=\"failure\"") >= 1);
    assertServed(first.serial());

    // A readable certificate with the key of another one.
    Generated third = TestCertificates.ec("warbler-third", 3003);
    Generated fourth = TestCertificates.ec("warbler-fourth", 4004);
    TestCertificates.write(certFile, TestCertificates.pem(third.certificate()));
    TestCertificates.write(keyFile, TestCertificates.pkcs8(fourth.keys()));
    await()
        .atMost(WAIT)
        .until(() -> metric("warbler_tls_reloads_total", "result=\"failure\"") >= 2);
    assertServed(first.serial());

    // A missing key file.
    Files.delete(keyFile);
    await()
        .atMost(WAIT)
        .until(() -> metric("warbler_tls_reloads_total", "result=\"failure\"") >= 3);
    assertServed(first.serial());

    // A good pair again is served.
    fourth.writeTo(certFile, keyFile);
    await()
        .atMost(WAIT)
        .until(() -> served(node.webSocketPort()).getSerialNumber().equals(fourth.serial()));
    assertServed(fourth.serial());
    assertThat(metric("warbler_tls_reloads_total", "result=\"success\"")).isEqualTo(1);
  }

  private void assertServed(BigInteger serial) throws Exception {
    assertThat(served(node.webSocketPort()).getSerialNumber()).isEqualTo(serial);
    assertThat(served(node.httpPort()).getSerialNumber()).isEqualTo(serial);
  }

  // ---- raw TLS helpers -----------------------------------------------------------------------

  /** Accepts any server certificate: these probes read the certificate, they do not trust it. */
  private static final TrustManager[] ANY =
      new TrustManager[] {
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        }
      };

  /** A completed handshake with 127.0.0.1:port offering only {@code protocol}. */
  private static SSLSession handshake(int port, String protocol) throws Exception {
    return handshake(port, protocol, null);
  }

  /** The same offering only {@code suite} too, unless null. */
  private static SSLSession handshake(int port, String protocol, @Nullable String suite)
      throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, ANY, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      socket.setEnabledProtocols(new String[] {protocol});
      if (suite != null) {
        socket.setEnabledCipherSuites(new String[] {suite});
      }
      socket.startHandshake();
      return socket.getSession();
    }
  }

  private static X509Certificate served(int port) throws Exception {
    return (X509Certificate) handshake(port, "TLSv1.3").getPeerCertificates()[0];
  }

  /** A handshake with a bare JDK server that allows only {@code protocol}; the negotiated one. */
  private String controlHandshake(String protocol) throws Exception {
    return controlHandshake(protocol, null, first).getProtocol();
  }

  /**
   * A handshake with a bare JDK server holding {@code cert} that allows only {@code protocol} (and
   * {@code suite}, unless null); the client's session.
   */
  private static SSLSession controlHandshake(
      String protocol, @Nullable String suite, Generated cert) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry(
        "k",
        cert.keys().getPrivate(),
        "pw".toCharArray(),
        new X509Certificate[] {cert.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "pw".toCharArray());
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    try (SSLServerSocket server =
        (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0)) {
      server.setEnabledProtocols(new String[] {protocol});
      if (suite != null) {
        server.setEnabledCipherSuites(new String[] {suite});
      }
      CompletableFuture<Void> accepted =
          CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
              s.setSoTimeout(5_000);
              ((SSLSocket) s).startHandshake();
              s.getInputStream().read();
            } catch (IOException e) {
              // the client hung up
            }
          });
      SSLSession negotiated = handshake(server.getLocalPort(), protocol, suite);
      accepted.get(10, TimeUnit.SECONDS);
      return negotiated;
    }
  }

  /** A counter or gauge from {@code /metrics} (over https), summed over matching series. */
  private double metric(String name, String label) throws Exception {
    HttpClient tls =
        HttpClient.newBuilder().sslContext(TestCertificates.trusting(allCertificates())).build();
    String text =
        tls.send(
                HttpRequest.newBuilder(URI.create(https() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> values = new HashMap<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith(name + "{") && line.contains(label)) {
        values.put(line, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return values.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  private List<X509Certificate> allCertificates() throws Exception {
    // Whatever is served now: read it with a probe, then trust exactly it.
    return List.of(served(node.httpPort()));
  }
}
