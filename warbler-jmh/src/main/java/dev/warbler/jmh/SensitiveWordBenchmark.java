package dev.warbler.jmh;

import dev.warbler.core.moderation.SensitiveWord;
import dev.warbler.core.moderation.TextNormalizer;
import dev.warbler.core.moderation.Verdict;
import dev.warbler.core.moderation.WordAction;
import dev.warbler.core.moderation.WordFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sensitive-word filter on the send path: one app's list of {@code words} words (English or
 * Chinese, 2 to 8 characters), checked against 100-byte (UTF-8) messages, one in eight of which
 * holds a listed word, some of those split by separators. Reports microseconds per message (target:
 * at most 20 us with 10,000 words).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--sun-misc-unsafe-memory-access=allow")
public class SensitiveWordBenchmark {
  private static final int MESSAGES = 256;

  @Param({"english", "chinese"})
  public String language;

  @Param({"10000"})
  public int words;

  private WordFilter filter;
  private String[] messages;
  private int next;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    boolean chinese = language.equals("chinese");
    Map<String, SensitiveWord> list = new LinkedHashMap<>();
    List<String> raw = new ArrayList<>();
    while (list.size() < words) {
      String w =
          chinese ? hanzi(random, 2 + random.nextInt(3)) : latin(random, 4 + random.nextInt(5));
      String key = TextNormalizer.normalizeWord(w);
      if (!list.containsKey(key)) {
        list.put(key, new SensitiveWord(key, WordAction.MASK, "bench", 0));
        raw.add(w);
      }
    }
    filter = new WordFilter(1, List.copyOf(list.values()));
    messages = new String[MESSAGES];
    for (int i = 0; i < MESSAGES; i++) {
      StringBuilder m = new StringBuilder();
      if (i % 8 == 0) {
        String w = raw.get(random.nextInt(raw.size()));
        m.append(i % 16 == 0 ? String.join(" ", w.split("")) : w).append(' ');
      }
      while (m.toString().getBytes(StandardCharsets.UTF_8).length < 100) {
        m.append(chinese ? hanzi(random, 1) : latin(random, 1 + random.nextInt(7)));
        if (!chinese && random.nextInt(4) > 0) {
          m.append(' ');
        } else if (chinese && random.nextInt(12) == 0) {
          m.append('，');
        }
      }
      messages[i] = trim(m.toString());
    }
  }

  /** Cuts a message to at most 100 UTF-8 bytes on a character boundary. */
  private static String trim(String s) {
    while (s.getBytes(StandardCharsets.UTF_8).length > 100) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String latin(SplittableRandom random, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  /** Characters of the common CJK block's first 3,500 code points. */
  private static String hanzi(SplittableRandom random, int length) {
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append((char) (0x4E00 + random.nextInt(3500)));
    }
    return b.toString();
  }

  @Benchmark
  public Verdict check() {
    String m = messages[next];
    next = (next + 1) & (MESSAGES - 1);
    return filter.check(m, '*');
  }
}
