package dev.warbler.core.moderation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;

/**
 * The text the filter matches on, with a map back to the original. Each code point of the original
 * is:
 *
 * <ul>
 *   <li>compatibility-normalised (NFKC: full-width {@code Ｆ} becomes {@code F}, {@code ①} becomes
 *       {@code 1});
 *   <li>lower-cased (simple case mapping, locale-independent);
 *   <li>mapped from traditional to simplified Chinese where the shipped table ({@code
 *       traditional-simplified.txt}, from Unicode's Unihan data via ICU) has a one-character
 *       mapping;
 *   <li>dropped when it is a separator: anything that is not a letter or a digit (spaces,
 *       punctuation, symbols such as {@code * _ ·}, emoji, zero-width and other format characters,
 *       controls, unpaired surrogates).
 * </ul>
 *
 * <p>So {@code "F*u c.k"} and {@code "法 輪"} normalise to {@code "fuck"} and {@code "法轮"}. Every
 * normalised char remembers the range of the original code point it came from, so that a match maps
 * back to exactly the original characters. Stateless and thread-safe.
 */
public final class TextNormalizer {
  /** Simplified form of each char from U+3400 to U+9FFF; 0 where there is none. */
  private static final char[] SIMPLIFIED = loadTable();

  private static final int TABLE_FIRST = 0x3400;

  /** ASCII: the folded char, or 0 for a separator. */
  private static final char[] ASCII = new char[128];

  static {
    for (char c = '0'; c <= '9'; c++) {
      ASCII[c] = c;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      ASCII[c] = c;
      ASCII[c - 'a' + 'A'] = c;
    }
  }

  private TextNormalizer() {}

  /**
   * A normalised text: {@code chars[0..length)}, where char {@code i} came from the original's
   * chars {@code [from[i], to[i])}.
   */
  public record Normalized(char[] chars, int length, int[] from, int[] to) {
    /** The normalised text as a string. */
    public String text() {
      return new String(chars, 0, length);
    }
  }

  /** Normalises {@code text}, keeping the map back to its chars. */
  public static Normalized normalize(CharSequence text) {
    int n = text.length();
    char[] out = new char[n + 8];
    int[] from = new int[n + 8];
    int[] to = new int[n + 8];
    int len = 0;
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c < 128) {
        char f = ASCII[c];
        if (f != 0) {
          out[len] = f;
          from[len] = i;
          to[len] = i + 1;
          len++;
        }
        i++;
        continue;
      }
      int cp;
      int next;
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        cp = Character.toCodePoint(c, text.charAt(i + 1));
        next = i + 2;
      } else {
        cp = c;
        next = i + 1;
      }
      if (len + 8 > out.length) {
        int size = out.length * 2 + 8;
        out = Arrays.copyOf(out, size);
        from = Arrays.copyOf(from, size);
        to = Arrays.copyOf(to, size);
      }
      if (cp >= 0x4E00 && cp <= 0x9FFF) {
        // CJK unified ideographs: NFKC and case leave them alone; only the table applies.
        out[len] = simplified((char) cp);
        from[len] = i;
        to[len] = next;
        len++;
      } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
        // Full-width ASCII, the common case of compatibility forms.
        char f = ASCII[cp - 0xFEE0];
        if (f != 0) {
          out[len] = f;
          from[len] = i;
          to[len] = next;
          len++;
        }
      } else if (keep(cp)) {
        String nfkc = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFKC);
        for (int k = 0; k < nfkc.length(); ) {
          int d = nfkc.codePointAt(k);
          k += Character.charCount(d);
          if (!keep(d)) {
            continue;
          }
          d = Character.toLowerCase(d);
          if (len + 2 > out.length) {
            int size = out.length * 2 + 8;
            out = Arrays.copyOf(out, size);
            from = Arrays.copyOf(from, size);
            to = Arrays.copyOf(to, size);
          }
          if (Character.isBmpCodePoint(d)) {
            out[len] = simplified((char) d);
            from[len] = i;
            to[len] = next;
            len++;
          } else {
            out[len] = Character.highSurrogate(d);
            from[len] = i;
            to[len] = next;
            len++;
            out[len] = Character.lowSurrogate(d);
            from[len] = i;
            to[len] = next;
            len++;
          }
        }
      } else if (isCompatibilityLetter(cp)) {
        // Symbols whose compatibility form is a letter or digit (circled letters, ...).
        String nfkc = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFKC);
        for (int k = 0; k < nfkc.length(); ) {
          int d = nfkc.codePointAt(k);
          k += Character.charCount(d);
          if (keep(d) && Character.isBmpCodePoint(d)) {
            if (len + 1 > out.length) {
              int size = out.length * 2 + 8;
              out = Arrays.copyOf(out, size);
              from = Arrays.copyOf(from, size);
              to = Arrays.copyOf(to, size);
            }
            out[len] = simplified((char) Character.toLowerCase(d));
            from[len] = i;
            to[len] = next;
            len++;
          }
        }
      }
      i = next;
    }
    return new Normalized(out, len, from, to);
  }

  /** The normalised form of a list word (no offsets needed); may be empty. */
  public static String normalizeWord(String word) {
    return normalize(word).text();
  }

  /** Whether {@code text} holds an unpaired surrogate (text no encoding can carry). */
  public static boolean hasUnpairedSurrogate(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean keep(int cp) {
    return Character.isLetterOrDigit(cp);
  }

  private static boolean isCompatibilityLetter(int cp) {
    int type = Character.getType(cp);
    return (type == Character.OTHER_SYMBOL || type == Character.OTHER_NUMBER)
        && !Normalizer.isNormalized(Character.toString(cp), Normalizer.Form.NFKC);
  }

  private static char simplified(char c) {
    int k = c - TABLE_FIRST;
    if (k >= 0 && k < SIMPLIFIED.length) {
      char s = SIMPLIFIED[k];
      return s == 0 ? c : s;
    }
    return c;
  }

  private static char[] loadTable() {
    char[] table = new char[0x9FFF - 0x3400 + 1];
    try (InputStream in = TextNormalizer.class.getResourceAsStream("traditional-simplified.txt")) {
      if (in == null) {
        throw new IllegalStateException("traditional-simplified.txt is missing from the jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.length() == 3 && line.charAt(1) == ' ') {
          table[line.charAt(0) - 0x3400] = line.charAt(2);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return table;
  }
}
