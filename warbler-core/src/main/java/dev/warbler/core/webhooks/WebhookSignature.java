package dev.warbler.core.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a delivery: HMAC-SHA256 keyed with the subscription's secret over {@code
 * timestamp + "." + body}, hex, sent as {@code Warbler-Signature: v1=HEX[,v1=HEX]} (one value per
 * valid secret, during a rotation two) next to {@code Warbler-Timestamp} (epoch seconds) and {@code
 * Warbler-Event-Id}. A receiver recomputes it with its secret, compares in constant time and
 * refuses a timestamp older than its tolerance (replay). This class is both sides; it has no state.
 */
public final class WebhookSignature {
  public static final String HEADER_SIGNATURE = "Warbler-Signature";
  public static final String HEADER_TIMESTAMP = "Warbler-Timestamp";
  public static final String HEADER_EVENT_ID = "Warbler-Event-Id";
  public static final String HEADER_EVENT_TYPE = "Warbler-Event-Type";
  private static final String SCHEME = "v1=";

  private WebhookSignature() {}

  /** The hex HMAC-SHA256 of {@code timestamp.body} under {@code secret}. */
  public static String sign(String secret, long timestampSeconds, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** The {@code Warbler-Signature} header value: one {@code v1=} entry per secret, in order. */
  public static String header(List<String> secrets, long timestampSeconds, String body) {
    List<String> parts = new ArrayList<>();
    for (String s : secrets) {
      parts.add(SCHEME + sign(s, timestampSeconds, body));
    }
    return String.join(",", parts);
  }

  /**
   * Whether {@code header} holds a valid signature of {@code body} at {@code timestampSeconds}
   * under {@code secret}, and the timestamp is within {@code toleranceSeconds} of {@code
   * nowSeconds}. Constant-time comparison.
   */
  public static boolean verify(
      String secret,
      String header,
      long timestampSeconds,
      String body,
      long nowSeconds,
      long toleranceSeconds) {
    if (Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
      return false;
    }
    byte[] expected = sign(secret, timestampSeconds, body).getBytes(StandardCharsets.US_ASCII);
    boolean ok = false;
    for (String part : header.split(",", -1)) {
      String p = part.trim();
      if (p.startsWith(SCHEME)
          && MessageDigest.isEqual(
              expected, p.substring(SCHEME.length()).getBytes(StandardCharsets.US_ASCII))) {
        ok = true;
      }
    }
    return ok;
  }
}
