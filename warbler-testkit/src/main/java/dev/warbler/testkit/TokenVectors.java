package dev.warbler.testkit;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.protocol.CloseCode;
import dev.warbler.protocol.ErrorCode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Malicious user tokens, each named after the attack it stands for, with the error and close code
 * the server must answer. Built for one app ({@code app}, {@code secret}) and one existing user;
 * {@code otherApp}/{@code otherSecret} is a second real app. The same catalog is run against the
 * token service directly and end to end over the gateway's auth frame.
 */
public final class TokenVectors {
  /** One attack: a token and what the server must say about it. */
  public record Vector(String name, String token, ErrorCode error, CloseCode close) {
    @Override
    public String toString() {
      return name;
    }
  }

  private final String app;
  private final String secret;
  private final String otherApp;
  private final String otherSecret;
  private final String user;
  private final long now;
  private final long skewSeconds;
  private final Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
  private final List<Vector> vectors = new ArrayList<>();

  private TokenVectors(
      String app,
      String secret,
      String otherApp,
      String otherSecret,
      String user,
      long nowMillis,
      long skewSeconds) {
    this.app = app;
    this.secret = secret;
    this.otherApp = otherApp;
    this.otherSecret = otherSecret;
    this.user = user;
    this.now = nowMillis;
    this.skewSeconds = skewSeconds;
  }

  /**
   * Every vector for {@code user} of {@code app} at {@code nowMillis}, with the server accepting
   * only HS256 and {@code skewSeconds} of clock skew; the server is expected to be told (in the
   * auth frame) that the client belongs to {@code app}.
   */
  public static List<Vector> all(
      String app,
      String secret,
      String otherApp,
      String otherSecret,
      String user,
      long nowMillis,
      long skewSeconds) {
    try {
      TokenVectors v =
          new TokenVectors(app, secret, otherApp, otherSecret, user, nowMillis, skewSeconds);
      v.build();
      return List.copyOf(v.vectors);
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the token vectors", e);
    }
  }

  private JWTClaimsSet.Builder claims() {
    return new JWTClaimsSet.Builder()
        .subject(user)
        .claim("app", app)
        .jwtID("jti-" + user)
        .issueTime(new Date(now - 1000))
        .expirationTime(new Date(now + 600_000));
  }

  private static String sign(JWSHeader header, JWTClaimsSet claims, byte[] key) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(new MACSigner(key));
    return jwt.serialize();
  }

  private String sign(JWSHeader header, JWTClaimsSet claims) throws Exception {
    return sign(header, claims, secret.getBytes(StandardCharsets.UTF_8));
  }

  private String hs256(JWTClaimsSet claims) throws Exception {
    return sign(new JWSHeader(JWSAlgorithm.HS256), claims);
  }

  private String enc(String json) {
    return b64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The HMAC-SHA256 signature of {@code header.payload} (as text) with the app's secret. */
  private String macOver(String signingInput) throws Exception {
    return macOver(signingInput, "HmacSHA256");
  }

  private String macOver(String signingInput, String algorithm) throws Exception {
    return macWith(signingInput, algorithm, secret.getBytes(StandardCharsets.UTF_8));
  }

  private String macWith(String signingInput, String algorithm, byte[] key) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance(algorithm);
    mac.init(new javax.crypto.spec.SecretKeySpec(key, algorithm));
    return b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  private void invalid(String name, String token) {
    vectors.add(new Vector(name, token, ErrorCode.TOKEN_INVALID, CloseCode.AUTH_FAILED));
  }

  private void build() throws Exception {
    String good = hs256(claims().build());
    String[] parts = good.split("\\.");
    String payload = claims().build().toString();
    byte[] attackerKey = "attacker-chosen-secret-of-32-bytes!!".getBytes(StandardCharsets.UTF_8);

    // --- alg none and algorithm confusion ---
    invalid("alg none, unsigned", new PlainJWT(claims().build()).serialize());
    invalid(
        "alg none, signature kept", enc("{\"alg\":\"none\"}") + "." + parts[1] + "." + parts[2]);
    invalid(
        "alg None (capitalized), empty signature",
        enc("{\"alg\":\"None\"}") + "." + parts[1] + ".");
    invalid(
        "alg NONE with typ JWT", enc("{\"alg\":\"NONE\",\"typ\":\"JWT\"}") + "." + parts[1] + ".");
    String rs = enc("{\"alg\":\"RS256\"}") + "." + parts[1];
    invalid(
        "alg confusion: RS256 header, HMAC signature with the app secret", rs + "." + macOver(rs));
    String es = enc("{\"alg\":\"ES256\"}") + "." + parts[1];
    invalid(
        "alg confusion: ES256 header, HMAC signature with the app secret", es + "." + macOver(es));
    String ps = enc("{\"alg\":\"PS256\"}") + "." + parts[1];
    invalid("alg confusion: PS256 header, HMAC signature", ps + "." + macOver(ps));
    String lower = enc("{\"alg\":\"hs256\"}") + "." + parts[1];
    invalid("alg spelled hs256 (lower case)", lower + "." + macOver(lower));
    String hs384 = enc("{\"alg\":\"HS384\"}") + "." + parts[1];
    invalid(
        "HS384 with the app secret when only HS256 is accepted",
        hs384 + "." + macOver(hs384, "HmacSHA384"));
    String hs512 = enc("{\"alg\":\"HS512\"}") + "." + parts[1];
    invalid(
        "HS512 with the app secret when only HS256 is accepted",
        hs512 + "." + macOver(hs512, "HmacSHA512"));
    ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
    SignedJWT esSigned =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).jwk(ec.toPublicJWK()).build(),
            claims().build());
    esSigned.sign(new ECDSASigner(ec));
    invalid("real ES256 signature by an attacker key embedded as jwk", esSigned.serialize());

    // --- wrong key ---
    invalid(
        "HS256 signed with an attacker's secret",
        sign(new JWSHeader(JWSAlgorithm.HS256), claims().build(), attackerKey));
    invalid(
        "signed with another app's secret, claiming this app",
        sign(
            new JWSHeader(JWSAlgorithm.HS256),
            claims().build(),
            otherSecret.getBytes(StandardCharsets.UTF_8)));
    String jwkAttacker =
        enc(
                "{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\""
                    + b64.encodeToString(attackerKey)
                    + "\"}}")
            + "."
            + parts[1];
    invalid(
        "jwk header carrying the attacker's HMAC key, signed with it",
        jwkAttacker + "." + macWith(jwkAttacker, "HmacSHA256", attackerKey));
    invalid(
        "kid path traversal, signed with the attacker's key",
        sign(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("../../../../dev/null").build(),
            claims().build(),
            attackerKey));

    // --- key-reference header injection (signed with the real secret: refused by policy) ---
    invalid(
        "jku header injection",
        sign(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .jwkURL(URI.create("https://attacker.example/jwks.json"))
                .build(),
            claims().build()));
    invalid(
        "x5u header injection",
        sign(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .x509CertURL(URI.create("https://attacker.example/cert.pem"))
                .build(),
            claims().build()));
    String jwkReal =
        enc(
                "{\"alg\":\"HS256\",\"jwk\":{\"kty\":\"oct\",\"k\":\""
                    + b64.encodeToString(attackerKey)
                    + "\"}}")
            + "."
            + parts[1];
    invalid("jwk header injection (signed with the real secret)", jwkReal + "." + macOver(jwkReal));
    invalid(
        "crit header naming an unknown parameter",
        sign(
            new JWSHeader.Builder(JWSAlgorithm.HS256)
                .criticalParams(Set.of("exp-override"))
                .customParam("exp-override", 99_999_999_999L)
                .build(),
            claims().build()));
    invalid(
        "crit b64=false (unencoded payload)",
        enc("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}")
            + "."
            + parts[1]
            + "."
            + macOver(
                enc("{\"alg\":\"HS256\",\"b64\":false,\"crit\":[\"b64\"]}") + "." + parts[1]));
    invalid(
        "typ is not JWT (an access token of another kind)",
        sign(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("at+jwt")).build(),
            claims().build()));

    // --- tampering ---
    invalid(
        "tampered sub, original signature",
        parts[0] + "." + enc(payload.replace("\"" + user + "\"", "\"mallory\"")) + "." + parts[2]);
    invalid(
        "tampered exp pushed a year out, original signature",
        parts[0]
            + "."
            + enc(claims().expirationTime(new Date(now + 365L * 86_400_000)).build().toString())
            + "."
            + parts[2]);
    invalid(
        "tampered app claim, original signature",
        parts[0] + "." + enc(claims().claim("app", otherApp).build().toString()) + "." + parts[2]);
    invalid(
        "duplicate sub appended to the payload, original signature",
        parts[0]
            + "."
            + enc(payload.substring(0, payload.length() - 1) + ",\"sub\":\"mallory\"}")
            + "."
            + parts[2]);
    invalid("signature stripped", parts[0] + "." + parts[1] + ".");
    invalid(
        "signature transplanted from another token",
        parts[0]
            + "."
            + parts[1]
            + "."
            + hs256(claims().subject("mallory").build()).split("\\.")[2]);
    char[] sig = parts[2].toCharArray();
    sig[3] = sig[3] == 'A' ? 'B' : 'A';
    invalid("one signature character flipped", parts[0] + "." + parts[1] + "." + new String(sig));
    invalid("header re-encoded with padding", parts[0] + "=." + parts[1] + "." + parts[2]);

    // --- time ---
    vectors.add(
        new Vector(
            "expired",
            hs256(claims().expirationTime(new Date(now - 3_600_000)).build()),
            ErrorCode.TOKEN_EXPIRED,
            CloseCode.TOKEN_EXPIRED));
    vectors.add(
        new Vector(
            "expired just beyond the clock skew",
            hs256(claims().expirationTime(new Date(now - (skewSeconds + 2) * 1000)).build()),
            ErrorCode.TOKEN_EXPIRED,
            CloseCode.TOKEN_EXPIRED));
    invalid(
        "not yet valid (nbf in an hour)",
        hs256(claims().notBeforeTime(new Date(now + 3_600_000)).build()));
    // A token claiming a later issue time than the revocation cut-off would survive it.
    invalid(
        "issued in the future (iat in an hour)",
        hs256(claims().issueTime(new Date(now + 3_600_000)).build()));
    invalid(
        "issued in the future a minute beyond the clock skew",
        hs256(claims().issueTime(new Date(now + (skewSeconds + 60) * 1000)).build()));
    invalid("no exp", hs256(claims().expirationTime(null).build()));
    String expString =
        enc("{\"alg\":\"HS256\"}")
            + "."
            + enc("{\"sub\":\"" + user + "\",\"app\":\"" + app + "\",\"exp\":\"never\"}");
    invalid("exp of the wrong type (a string)", expString + "." + macOver(expString));

    // --- other app, missing and odd claims ---
    vectors.add(
        new Vector(
            "a valid token of another app",
            sign(
                new JWSHeader(JWSAlgorithm.HS256),
                claims().claim("app", otherApp).build(),
                otherSecret.getBytes(StandardCharsets.UTF_8)),
            ErrorCode.WRONG_APP,
            CloseCode.AUTH_FAILED));
    invalid("no app claim", hs256(claims().claim("app", null).build()));
    invalid("unknown app", hs256(claims().claim("app", "no-such-app").build()));
    invalid("app claim of the wrong type (number)", hs256(claims().claim("app", 7).build()));
    invalid(
        "app claim of the wrong type (object)",
        hs256(claims().claim("app", Map.of("id", app)).build()));
    invalid("empty app claim", hs256(claims().claim("app", "").build()));
    invalid("no sub", hs256(claims().subject(null).build()));
    invalid("empty sub", hs256(claims().subject("").build()));
    invalid("sub with a separator (a:b)", hs256(claims().subject("a:b").build()));
    invalid("sub over 64 characters", hs256(claims().subject("u".repeat(65)).build()));
    invalid("empty jti", hs256(claims().jwtID("").build()));
    invalid("jti over 64 characters", hs256(claims().jwtID("j".repeat(65)).build()));

    // --- malformed and oversized ---
    invalid("empty token", "");
    invalid("not a JWT", "not-a-jwt");
    invalid("three garbage parts", "a.b.c");
    invalid("malformed base64 in every part", "%%%.%%%.%%%");
    invalid("header is not JSON", enc("hello") + "." + parts[1] + "." + parts[2]);
    invalid("payload is not JSON", parts[0] + "." + enc("hello") + "." + parts[2]);
    invalid("payload is a JSON array", parts[0] + "." + enc("[1,2]") + "." + parts[2]);
    invalid("a fourth segment appended", good + ".extra");
    invalid(
        "a JWE (five segments)",
        enc("{\"alg\":\"dir\",\"enc\":\"A128GCM\"}")
            + ".."
            + b64.encodeToString(new byte[12])
            + ".AAAA."
            + b64.encodeToString(new byte[16]));
    invalid("whitespace inside the token", parts[0] + ". " + parts[1] + "." + parts[2]);
    invalid("oversized (over 4096 characters)", good + "x".repeat(4097 - good.length()));
    String big = hs256(claims().claim("pad", "p".repeat(6000)).build());
    invalid("validly signed but oversized", big);
  }
}
