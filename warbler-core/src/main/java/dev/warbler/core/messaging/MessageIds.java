package dev.warbler.core.messaging;

import java.security.SecureRandom;
import java.time.InstantSource;

/**
 * Server message ids: 22 characters, time-ordered to the millisecond (11 base-32 characters of the
 * time, then 11 of randomness), unique without coordination between nodes.
 */
public final class MessageIds {
  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private final InstantSource clock;
  private final SecureRandom random = new SecureRandom();

  public MessageIds(InstantSource clock) {
    this.clock = clock;
  }

  public String next() {
    char[] out = new char[22];
    long time = clock.millis();
    for (int i = 10; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    long bits = random.nextLong();
    for (int i = 11; i < 22; i++) {
      out[i] = ALPHABET[(int) (bits & 31)];
      bits >>>= 5;
    }
    return new String(out);
  }
}
