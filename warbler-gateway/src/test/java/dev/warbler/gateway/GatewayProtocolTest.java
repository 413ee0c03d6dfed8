package dev.warbler.gateway;

import static dev.warbler.gateway.GatewayMessagingTest.ping;
import static dev.warbler.gateway.TestGateway.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.warbler.protocol.Encoding;
import dev.warbler.protocol.ErrorCode;
import dev.warbler.protocol.v1.ClientFrame;
import dev.warbler.protocol.v1.Ping;
import dev.warbler.protocol.v1.ServerFrame;
import dev.warbler.testkit.RawClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayProtocolTest {
  private static final String ALLOWED = "https://chat.acme.example";
  private static TestGateway server;

  @BeforeAll
  static void start() {
    server =
        new TestGateway(
            GatewayConfig.defaults().withMaxFrameBytes(4096).withAllowedOrigins(List.of(ALLOWED)));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void pingIsAnsweredWithPongEchoingTheClientTime() {
    RawClient client = server.login(server.newUser(), Encoding.PROTO);

    ServerFrame pong =
        client.request(
            ClientFrame.newBuilder()
                .setId("p1")
                .setPing(Ping.newBuilder().setClientTime(1234))
                .build());

    assertThat(pong.getPong().getClientTime()).isEqualTo(1234);
    assertThat(pong.getPong().getServerTime()).isPositive();
  }

  @Test
  void malformedJsonIsAnsweredWithTheRecoveredIdAndTheConnectionKeepsWorking() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"bad-1\",\"ping\":{\"client_time\":\"not a number\"");

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEqualTo("bad-1");
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.MALFORMED_FRAME.name());
    assertThat(error.getError().getCode()).isEqualTo(ErrorCode.MALFORMED_FRAME.code());
    assertThat(client.request(ping("p2")).hasPong()).isTrue();
  }

  @Test
  void malformedProtobufIsAnsweredAndTheConnectionKeepsWorking() {
    RawClient client = server.login(server.newUser(), Encoding.PROTO);

    client.sendRawBinary(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEmpty();
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.MALFORMED_FRAME.name());
    assertThat(client.request(ping("p2")).hasPong()).isTrue();
  }

  @Test
  void aFrameWithAnUnknownBodyIsAnsweredUnknownFrameAndTheConnectionStays() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"t1\",\"teleport\":{\"to\":\"mars\"}}");

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).isEqualTo("t1");
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.UNKNOWN_FRAME.name());
    assertThat(client.request(ping("p2")).hasPong()).isTrue();
  }

  @Test
  void aRequestIdLongerThan64CharactersIsAnInvalidArgumentAnsweredWithTheIdAsSent() {
    RawClient client = server.login(server.newUser());

    client.send(ping("x".repeat(65)));

    ServerFrame error = client.next(WAIT);
    assertThat(error.getId()).as("echoed, so the client can match it").isEqualTo("x".repeat(65));
    assertThat(error.getError().getMessage())
        .isEqualTo("a request id must be at most 64 characters but this one has 65");
    assertThat(error.getError().getName()).isEqualTo(ErrorCode.INVALID_ARGUMENT.name());
    assertThat(client.request(ping("p2")).hasPong()).isTrue();
  }

  @Test
  void aFrameLargerThanTheLimitClosesWith1009() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"big\",\"ping\":{},\"pad\":\"" + "x".repeat(5000) + "\"}");

    assertThat(client.awaitClose(WAIT)).isEqualTo(1009);
  }

  @Test
  void fragmentsAddingUpToMoreThanTheLimitCloseWith1009() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"big\",\"pad\":\"" + "x".repeat(3000), false);
    client.sendRaw("x".repeat(3000) + "\"}", true);

    assertThat(client.awaitClose(WAIT)).isEqualTo(1009);
  }

  @Test
  void aFrameJustUnderTheLimitIsServed() {
    RawClient client = server.login(server.newUser());

    client.sendRaw("{\"id\":\"p1\",\"ping\":{},\"pad\":\"" + "x".repeat(4000) + "\"}");

    assertThat(client.next(WAIT).hasPong()).isTrue();
  }

  @Test
  void aBinaryFrameOnTheJsonSubprotocolClosesWith1003() {
    RawClient client = server.login(server.newUser(), Encoding.JSON);

    client.sendRawBinary(ping("p1").toByteArray());

    assertThat(client.next(WAIT).getClosing().getCode()).isEqualTo(1003);
    assertThat(client.awaitClose(WAIT)).isEqualTo(1003);
  }

  @Test
  void aTextFrameOnTheProtoSubprotocolClosesWith1003() {
    RawClient client = server.login(server.newUser(), Encoding.PROTO);

    client.sendRaw("{\"id\":\"p1\",\"ping\":{}}");

    assertThat(client.next(WAIT).getClosing().getCode()).isEqualTo(1003);
    assertThat(client.awaitClose(WAIT)).isEqualTo(1003);
  }

  @Test
  void anUpgradeFromAnOriginNotAllowedIsRefusedWith403() {
    RawClient.HandshakeRefused refused =
        catchThrowableOfType(
            RawClient.HandshakeRefused.class,
            () ->
                RawClient.connect(
                    server.uri(), Encoding.JSON, Map.of("Origin", "https://evil.example")));

    assertThat(refused).isNotNull();
    assertThat(refused.status()).isEqualTo(403);
  }

  @Test
  void anUpgradeFromAnAllowedOriginOrWithoutOriginIsAccepted() {
    RawClient browser =
        server.track(RawClient.connect(server.uri(), Encoding.JSON, Map.of("Origin", ALLOWED)));
    RawClient backend = server.connect(Encoding.JSON);

    assertThat(browser.selectedSubprotocol()).isEqualTo(Encoding.JSON.subprotocol());
    assertThat(backend.selectedSubprotocol()).isEqualTo(Encoding.JSON.subprotocol());
  }

  @Test
  void anyOtherHttpPathIsNotFound() throws Exception {
    HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/nope")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  void aPlainHttpRequestToTheWebSocketPathIsToldToUpgrade() throws Exception {
    HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/ws")).build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(426);
    assertThat(response.headers().firstValue("Sec-WebSocket-Version")).contains("13");
  }

  @Test
  void framesInAndOutAreCounted() {
    double in = server.counter("warbler.gateway.frames.in");
    double out = server.counter("warbler.gateway.frames.out");
    RawClient client = server.login(server.newUser());

    client.request(ping("p1"));

    assertThat(server.counter("warbler.gateway.frames.in")).isGreaterThanOrEqualTo(in + 2);
    assertThat(server.counter("warbler.gateway.frames.out")).isGreaterThanOrEqualTo(out + 2);
  }
}
