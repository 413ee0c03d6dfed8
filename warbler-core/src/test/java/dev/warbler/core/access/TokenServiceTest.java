package dev.warbler.core.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Tokens: what is accepted, and a set of malicious vectors that must all be rejected. The full
 * catalog (60 attacks, incl. header injection and crit) is {@code
 * dev.warbler.testkit.TokenVectors}, run against this service and end to end by the gateway's
 * {@code TokenVectorsTest}.
 */
class TokenServiceTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final App SHOP = new App("shop", "Shop", "s".repeat(43), 0);
  private static final App SCHOOL = new App("school", "School", "k".repeat(43), 0);
  private final InstantSource clock = InstantSource.fixed(NOW);
  private final TokenService tokens =
      new TokenService(
          id -> Optional.ofNullable(Map.of("shop", SHOP, "school", SCHOOL).get(id)),
          clock,
          Set.of("HS256"),
          Duration.ofSeconds(30));

  private static String sign(App app, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    jwt.sign(new MACSigner(app.secret().getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static JWTClaimsSet.Builder claims(String app, String sub) {
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .claim("app", app)
        .expirationTime(Date.from(NOW.plusSeconds(600)));
  }

  private void rejected(String token, ErrorCode code) {
    assertThatThrownBy(() -> tokens.verify(token))
        .isInstanceOf(WarblerException.class)
        .extracting(e -> ((WarblerException) e).code())
        .isEqualTo(code);
  }

  @Test
  void anIssuedTokenProvesItsUserAndApp() {
    String token = tokens.issue(SHOP, "alice", Duration.ofMinutes(5));
    assertThat(tokens.verify(token)).isEqualTo(new Principal("shop", "alice"));
    assertThat(tokens.verifyToken(token).expiresAt())
        .isEqualTo(NOW.plusSeconds(300).toEpochMilli());
  }

  @Test
  void maliciousTokensAreAllRejected() throws Exception {
    String good = sign(SHOP, JWSAlgorithm.HS256, claims("shop", "alice").build());
    String[] parts = good.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();

    // alg none (unsigned)
    rejected(new PlainJWT(claims("shop", "alice").build()).serialize(), ErrorCode.TOKEN_INVALID);
    // alg none with the original signature kept
    rejected(
        b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + "."
            + parts[2],
        ErrorCode.TOKEN_INVALID);
    // an accepted family but not a configured algorithm
    SignedJWT hs512 =
        new SignedJWT(new JWSHeader(JWSAlgorithm.HS512), claims("shop", "alice").build());
    hs512.sign(new MACSigner(SHOP.secret().repeat(2).getBytes(StandardCharsets.UTF_8)));
    rejected(hs512.serialize(), ErrorCode.TOKEN_INVALID);
    // algorithm confusion: RS256 header over an HMAC signature
    rejected(
        b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[1]
            + "."
            + parts[2],
        ErrorCode.TOKEN_INVALID);
    // signed with another app's secret but claiming this app
    rejected(
        sign(SCHOOL, JWSAlgorithm.HS256, claims("shop", "alice").build()), ErrorCode.TOKEN_INVALID);
    // tampered claims: sub changed after signing
    String tamperedPayload =
        b64.encodeToString(
            claims("shop", "mallory").build().toString().getBytes(StandardCharsets.UTF_8));
    rejected(parts[0] + "." + tamperedPayload + "." + parts[2], ErrorCode.TOKEN_INVALID);
    // signature stripped
    rejected(parts[0] + "." + parts[1] + ".", ErrorCode.TOKEN_INVALID);
    // expired
    rejected(
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            claims("shop", "alice").expirationTime(Date.from(NOW.minusSeconds(60))).build()),
        ErrorCode.TOKEN_EXPIRED);
    // not yet valid
    rejected(
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            claims("shop", "alice").notBeforeTime(Date.from(NOW.plusSeconds(600))).build()),
        ErrorCode.TOKEN_INVALID);
    // no exp
    rejected(
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            new JWTClaimsSet.Builder().subject("alice").claim("app", "shop").build()),
        ErrorCode.TOKEN_INVALID);
    // no app, unknown app, app not a string
    rejected(
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            new JWTClaimsSet.Builder()
                .subject("alice")
                .expirationTime(Date.from(NOW.plusSeconds(60)))
                .build()),
        ErrorCode.TOKEN_INVALID);
    rejected(
        sign(SHOP, JWSAlgorithm.HS256, claims("ghost", "alice").build()), ErrorCode.TOKEN_INVALID);
    rejected(
        sign(SHOP, JWSAlgorithm.HS256, claims("shop", "alice").claim("app", 7).build()),
        ErrorCode.TOKEN_INVALID);
    // bad subject
    rejected(
        sign(SHOP, JWSAlgorithm.HS256, claims("shop", "a:b").build()), ErrorCode.TOKEN_INVALID);
    rejected(
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            new JWTClaimsSet.Builder()
                .claim("app", "shop")
                .expirationTime(Date.from(NOW.plusSeconds(60)))
                .build()),
        ErrorCode.TOKEN_INVALID);
    // malformed
    rejected("", ErrorCode.TOKEN_INVALID);
    rejected("not-a-jwt", ErrorCode.TOKEN_INVALID);
    rejected("a.b.c", ErrorCode.TOKEN_INVALID);
    rejected("%%%.%%%.%%%", ErrorCode.TOKEN_INVALID);
    // oversized
    rejected("x".repeat(TokenService.MAX_TOKEN_CHARS + 1), ErrorCode.TOKEN_INVALID);
  }

  @Test
  void issuedTokensCarryAnIdAndAnIssueTimeForRevocation() {
    VerifiedToken a = tokens.verifyToken(tokens.issue(SHOP, "alice", Duration.ofMinutes(5)));
    VerifiedToken b = tokens.verifyToken(tokens.issue(SHOP, "alice", Duration.ofMinutes(5)));
    assertThat(a.id()).hasSize(22).isNotEqualTo(b.id());
    assertThat(a.issuedAt()).isEqualTo(NOW.toEpochMilli());
    // Issued in the second of a revocation: iat moves to the revocation's boundary.
    long boundary = NOW.plusSeconds(1).toEpochMilli();
    assertThat(
            tokens
                .verifyToken(tokens.issue(SHOP, "alice", Duration.ofMinutes(5), boundary))
                .issuedAt())
        .isEqualTo(boundary);
  }

  @Test
  void aTokenIssuedFurtherInTheFutureThanTheClockSkewIsRefusedAsInvalid() throws Exception {
    String anHourAhead =
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            claims("shop", "alice").issueTime(Date.from(NOW.plusSeconds(3600))).build());
    assertThatThrownBy(() -> tokens.verifyToken(anHourAhead))
        .isInstanceOf(WarblerException.class)
        .hasMessageContaining("issued in the future")
        .hasMessageContaining("auth.clock-skew-seconds")
        .extracting(e -> ((WarblerException) e).code())
        .isEqualTo(ErrorCode.TOKEN_INVALID);
    // The skew (30 s) plus the one second of iat's granularity is tolerated, not a second more.
    String justBeyond =
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            claims("shop", "alice").issueTime(Date.from(NOW.plusSeconds(32))).build());
    rejected(justBeyond, ErrorCode.TOKEN_INVALID);
    String withinTheSkew =
        sign(
            SHOP,
            JWSAlgorithm.HS256,
            claims("shop", "alice").issueTime(Date.from(NOW.plusSeconds(31))).build());
    assertThat(tokens.verifyToken(withinTheSkew).issuedAt())
        .isEqualTo(NOW.plusSeconds(31).toEpochMilli());
  }

  @Test
  void aTokenIssuedInTheSecondOfARevocationPassesEvenWithoutClockSkew() {
    TokenService strict =
        new TokenService(id -> Optional.of(SHOP), clock, Set.of("HS256"), Duration.ZERO);
    long boundary = NOW.plusSeconds(1).toEpochMilli();

    VerifiedToken t =
        strict.verifyToken(strict.issue(SHOP, "alice", Duration.ofMinutes(5), boundary));

    assertThat(t.issuedAt()).isEqualTo(boundary);
  }

  @Test
  void aNegativeClockSkewIsRefusedAtConstruction() {
    assertThatThrownBy(() ->
            new TokenService(
                id -> Optional.empty(), clock, Set.of("HS256"), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clock skew")
        .hasMessageContaining("-1");
  }

  @Test
  void headersThatNameAKeyOrAnotherTypeAreRefused() throws Exception {
    JWTClaimsSet c = claims("shop", "alice").build();
    rejected(
        signWith(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .jwkURL(java.net.URI.create("https://evil.example/jwks"))
                .build(),
            c),
        ErrorCode.TOKEN_INVALID);
    rejected(
        signWith(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .x509CertURL(java.net.URI.create("https://evil.example/c.pem"))
                .build(),
            c),
        ErrorCode.TOKEN_INVALID);
    rejected(
        signWith(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .type(new com.nimbusds.jose.JOSEObjectType("at+jwt"))
                .build(),
            c),
        ErrorCode.TOKEN_INVALID);
    rejected(
        signWith(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .criticalParams(Set.of("x-unknown"))
                .customParam("x-unknown", 1)
                .build(),
            c),
        ErrorCode.TOKEN_INVALID);
    rejected(
        signWith(new JWSHeader(JWSAlgorithm.HS256), claims("shop", "alice").jwtID("").build()),
        ErrorCode.TOKEN_INVALID);
    assertThat(
            tokens.verify(
                signWith(
                    new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .type(com.nimbusds.jose.JOSEObjectType.JWT)
                        .build(),
                    c)))
        .isEqualTo(new Principal("shop", "alice"));
  }

  private static String signWith(JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new MACSigner(SHOP.secret().getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void onlyHmacAlgorithmsCanBeConfigured() {
    assertThatThrownBy(
            () -> new TokenService(id -> Optional.empty(), clock, Set.of("RS256"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RS256");
  }
}
