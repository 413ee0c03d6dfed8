package dev.warbler.core.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets for {@link TokenService#verify}: arbitrary strings, and structurally valid tokens
 * (header and claims from the fuzzer, signed with the app's real secret) or mutated real tokens.
 * Inputs replayed by every build: {@code src/test/resources/dev/warbler/core/access/
 * TokenServiceFuzzTestInputs/<method>/}.
 *
 * <p>The contract: a {@link Principal} or a {@link WarblerException} with TOKEN_INVALID or
 * TOKEN_EXPIRED, nothing else. A token is accepted only when it is signed with the app's secret,
 * uses HS256 and carries a valid app, a valid sub and an exp that has not passed.
 */
class TokenServiceFuzzTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final App SHOP = new App("shop", "Shop", "s".repeat(43), 0);
  private static final App SCHOOL = new App("school", "School", "k".repeat(43), 0);
  private static final Map<String, App> APPS = Map.of("shop", SHOP, "school", SCHOOL);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final TokenService TOKENS =
      new TokenService(
          id -> Optional.ofNullable(APPS.get(id)),
          InstantSource.fixed(NOW),
          Set.of("HS256"),
          Duration.ofSeconds(30));
  private static final String VALID = TOKENS.issue(SHOP, "alice", Duration.ofMinutes(10));

  /** A seed is a token as text (UTF-8), as a client sends it in {@code auth}. */
  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void arbitraryTokens(byte[] text) {
    String token = new String(text, StandardCharsets.UTF_8);
    Optional<VerifiedToken> verified = verify(token);
    verified.ifPresent(v -> assertAcceptable(token, v));
  }

  /**
   * Either a real token with bytes changed, or a header and claims chosen by the fuzzer and signed
   * with the secret of an app the service knows (so parsing and claim checks are reached).
   */
  @Timeout(60) // a hang; also libFuzzer's -timeout when fuzzing
  @FuzzTest
  void mutatedTokens(FuzzedDataProvider data) {
    String token;
    if (data.consumeBoolean()) {
      StringBuilder t = new StringBuilder(VALID);
      int edits = data.consumeInt(1, 4);
      for (int i = 0; i < edits && !t.isEmpty(); i++) {
        int at = data.consumeInt(0, t.length() - 1);
        switch (data.consumeInt(0, 2)) {
          case 0 -> t.setCharAt(at, data.consumeChar());
          case 1 -> t.deleteCharAt(at);
          default -> t.insert(at, data.consumeChar());
        }
      }
      token = t.toString();
    } else {
      App signer = data.consumeBoolean() ? SHOP : SCHOOL;
      String header = data.consumeString(200);
      String claims = data.consumeRemainingAsString();
      token = signed(signer, header, claims);
    }
    Optional<VerifiedToken> verified = verify(token);
    verified.ifPresent(v -> assertAcceptable(token, v));
  }

  private static Optional<VerifiedToken> verify(String token) {
    try {
      return Optional.of(TOKENS.verifyToken(token));
    } catch (WarblerException e) {
      assertThat(e.code()).isIn(ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED);
      assertThat(e.getMessage()).isNotBlank();
      return Optional.empty();
    }
  }

  /** An accepted token must pass every check again, independently of the service. */
  private static void assertAcceptable(String token, VerifiedToken verified) {
    Principal who = verified.principal();
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
      App app = APPS.get(who.app());
      assertThat(app).isNotNull();
      assertThat(claims.getClaim("app")).isEqualTo(who.app());
      assertThat(claims.getSubject()).isEqualTo(who.user());
      assertThat(Ids.valid(who.user())).isTrue();
      assertThat(claims.getExpirationTime()).isNotNull();
      assertThat(claims.getExpirationTime().toInstant()).isAfter(NOW.minusSeconds(30));
      String signingInput = token.substring(0, token.lastIndexOf('.'));
      assertThat(jwt.getSignature().toString()).isEqualTo(hmac(app, signingInput));
      assertThat(verified.expiresAt()).isEqualTo(claims.getExpirationTime().getTime());
    } catch (java.text.ParseException e) {
      throw new AssertionError("an accepted token must parse: " + token, e);
    }
  }

  private static String signed(App app, String header, String claims) {
    String input =
        B64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    return input + "." + hmac(app, input);
  }

  private static String hmac(App app, String input) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(app.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
