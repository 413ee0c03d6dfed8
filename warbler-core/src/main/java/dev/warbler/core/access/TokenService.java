package dev.warbler.core.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.warbler.core.Ids;
import dev.warbler.core.Principal;
import dev.warbler.core.WarblerException;
import dev.warbler.core.directory.App;
import dev.warbler.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * User tokens: JWTs signed with the app's secret, claims {@code sub} (user id), {@code app} and
 * {@code exp} (required), {@code iat} and {@code jti} (set by {@link #issue}, used by revocation).
 * {@code exp}, {@code nbf} and {@code iat} are checked with the configured clock skew; an {@code
 * iat} further in the future is refused, so that no token can outlive a revocation by claiming to
 * be issued after it. Only the configured HMAC algorithms are accepted; {@code none} and every
 * asymmetric algorithm are refused before any key is touched. Headers that point at another key
 * ({@code jku}, {@code jwk}, {@code x5u}, {@code x5c}) and unknown {@code crit} parameters are
 * refused: the key is always the secret of the app the token names.
 */
public final class TokenService {
  /** Longest token accepted, in characters; a bound on parsing work. */
  public static final int MAX_TOKEN_CHARS = 4096;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private final Function<String, java.util.Optional<App>> apps;
  private final InstantSource clock;
  private final Set<JWSAlgorithm> algorithms;
  private final Duration clockSkew;

  public TokenService(
      Function<String, java.util.Optional<App>> apps,
      InstantSource clock,
      Set<String> algorithms,
      Duration clockSkew) {
    if (clockSkew.isNegative()) {
      throw new IllegalArgumentException(
          "token clock skew must be zero or positive but was " + clockSkew.toSeconds() + " s");
    }
    this.apps = apps;
    this.clock = clock;
    this.clockSkew = clockSkew;
    this.algorithms =
        algorithms.stream().map(TokenService::hmacAlgorithm).collect(Collectors.toSet());
    if (this.algorithms.isEmpty()) {
      throw new IllegalArgumentException("at least one token algorithm must be accepted");
    }
  }

  private static JWSAlgorithm hmacAlgorithm(String name) {
    JWSAlgorithm alg = JWSAlgorithm.parse(name);
    if (!JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
      throw new IllegalArgumentException(
          "token algorithm must be one of HS256, HS384, HS512 but was " + name);
    }
    return alg;
  }

  /** Issues a token for {@code user} of {@code app}, valid for {@code ttl}. */
  public String issue(App app, String user, Duration ttl) {
    return issue(app, user, ttl, 0);
  }

  /**
   * Issues a token whose {@code iat} is at least {@code notBefore} (ms): {@code iat} has whole
   * seconds, so a token issued in the second its user's tokens were revoked carries the next second
   * to pass {@link Access#check} (see {@link Access#issuedAtFloor}).
   */
  public String issue(App app, String user, Duration ttl, long notBefore) {
    long now = clock.millis();
    long iat = Math.max(now, notBefore);
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(user)
            .claim("app", app.id())
            .jwtID(Base64.getUrlEncoder().withoutPadding().encodeToString(id))
            .issueTime(new Date(iat))
            .expirationTime(new Date(now + ttl.toMillis()))
            .build();
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(app.secret().getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign token for app " + app.id(), e);
    }
  }

  /** Verifies a token and returns who it proves; throws TOKEN_INVALID or TOKEN_EXPIRED. */
  public Principal verify(String token) {
    return verifyToken(token).principal();
  }

  /**
   * Verifies a token and returns who it proves with its {@code iat}, {@code jti} and {@code exp};
   * throws TOKEN_INVALID or TOKEN_EXPIRED. Revocation is checked by {@link Access#check}.
   */
  public VerifiedToken verifyToken(String token) {
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw invalid("token must be 1-" + MAX_TOKEN_CHARS + " characters");
    }
    if (!compactJws(token)) {
      throw invalid("token is not a JWS in compact form (three canonical base64url parts)");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      throw invalid("token is not a signed JWT");
    }
    JWSHeader header = jwt.getHeader();
    if (!algorithms.contains(header.getAlgorithm())) {
      throw invalid("token algorithm " + header.getAlgorithm() + " is not accepted");
    }
    if (header.getJWKURL() != null
        || header.getJWK() != null
        || header.getX509CertURL() != null
        || header.getX509CertChain() != null) {
      throw invalid("token header must not name a key (jku, jwk, x5u, x5c)");
    }
    if (header.getType() != null && !JOSEObjectType.JWT.equals(header.getType())) {
      throw invalid("token type must be JWT");
    }
    Object appClaim = claims.getClaim("app");
    if (!(appClaim instanceof String appId) || !Ids.valid(appId)) {
      throw invalid("token has no valid 'app' claim");
    }
    App app = apps.apply(appId).orElseThrow(() -> invalid("token names an unknown app"));
    try {
      if (!jwt.verify(new MACVerifier(app.secret().getBytes(StandardCharsets.UTF_8)))) {
        throw invalid("token signature does not match the app's secret");
      }
    } catch (JOSEException e) {
      throw invalid("token signature cannot be checked");
    }
    String sub = claims.getSubject();
    if (sub == null || !Ids.valid(sub)) {
      throw invalid("token has no valid 'sub' claim");
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw invalid("token has no 'exp' claim");
    }
    long now = clock.millis();
    if (exp.getTime() + clockSkew.toMillis() <= now) {
      throw new WarblerException(ErrorCode.TOKEN_EXPIRED, "token expired at " + exp.toInstant());
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.getTime() - clockSkew.toMillis() > now) {
      throw invalid("token is not valid before " + nbf.toInstant());
    }
    Date iat = claims.getIssueTime();
    // Revocation compares iat with the user's cut-off: a token claiming to be issued later than
    // now would survive every revocation until that time. One second on top of the skew, because
    // iat has whole seconds and issue() gives a token made in a revocation's second the next one.
    if (iat != null && iat.getTime() > now + clockSkew.toMillis() + 1000) {
      throw invalid(
          "token was issued in the future (iat "
              + iat.toInstant()
              + "), beyond the clock skew of "
              + clockSkew.toSeconds()
              + " s (auth.clock-skew-seconds)");
    }
    String jti = claims.getJWTID();
    if (jti != null && (jti.isEmpty() || jti.length() > Ids.MAX_ID_LENGTH)) {
      throw invalid("token 'jti' must be 1-" + Ids.MAX_ID_LENGTH + " characters");
    }
    return new VerifiedToken(
        new Principal(appId, sub),
        iat == null ? 0 : iat.getTime(),
        jti == null ? "" : jti,
        exp.getTime());
  }

  /**
   * True for exactly three dot-separated parts in canonical unpadded base64url. The JWT library
   * skips characters outside the alphabet and ignores a last character's unused bits, so without
   * this check one token has many spellings (found by TokenServiceFuzzTest): a denylist keyed by
   * the token's text could be bypassed by respelling it.
   */
  private static boolean compactJws(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return false;
    }
    for (String part : parts) {
      for (int i = 0; i < part.length(); i++) {
        char c = part.charAt(i);
        boolean alphabet =
            (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_';
        if (!alphabet) {
          return false;
        }
      }
      try {
        if (!BASE64URL.encodeToString(Base64.getUrlDecoder().decode(part)).equals(part)) {
          return false;
        }
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
    return true;
  }

  /**
   * The {@code app} claim of a token without verifying it, for the audit log of a refused token;
   * empty when unreadable or not a valid id. Never trust it for anything else.
   */
  public static String unverifiedApp(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      return "";
    }
    try {
      Object app = SignedJWT.parse(token).getJWTClaimsSet().getClaim("app");
      return app instanceof String a && Ids.valid(a) ? a : "";
    } catch (ParseException | RuntimeException e) {
      return "";
    }
  }

  private static WarblerException invalid(String message) {
    return new WarblerException(ErrorCode.TOKEN_INVALID, message);
  }
}
