package dev.warbler.core.moderation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * An Aho-Corasick automaton over chars: finds every occurrence of every word in one pass over the
 * text, overlapping and nested ones included, in time linear in the text plus the matches.
 * Immutable once built, so one instance is shared by every sending thread without locks.
 *
 * <p>The goto function is stored compactly: each state's children are a sorted run of {@link #keys}
 * searched by bisection, so memory is proportional to the total length of the words.
 */
public final class WordMatcher {
  /** One occurrence: word {@code word} (its index in the build list) at {@code [start, end)}. */
  public record Match(int word, int start, int end) {}

  private final int[] childStart;
  private final char[] keys;
  private final int[] targets;
  private final int[] fail;

  /** The index of the word ending at a state, -1 for none. */
  private final int[] output;

  /** The nearest state on the fail chain (the state excluded) that ends a word, -1 for none. */
  private final int[] dictLink;

  private final int[] wordLength;

  /** Builds the automaton of {@code words}; empty words are ignored, duplicates keep the first. */
  public WordMatcher(List<String> words) {
    List<TreeMap<Character, Integer>> children = new ArrayList<>();
    List<Integer> out = new ArrayList<>();
    children.add(new TreeMap<>());
    out.add(-1);
    wordLength = new int[words.size()];
    for (int w = 0; w < words.size(); w++) {
      String word = words.get(w);
      wordLength[w] = word.length();
      if (word.isEmpty()) {
        continue;
      }
      int s = 0;
      for (int i = 0; i < word.length(); i++) {
        Integer next = children.get(s).get(word.charAt(i));
        if (next == null) {
          next = children.size();
          children.add(new TreeMap<>());
          out.add(-1);
          children.get(s).put(word.charAt(i), next);
        }
        s = next;
      }
      if (out.get(s) < 0) {
        out.set(s, w);
      }
    }
    int states = children.size();
    childStart = new int[states + 1];
    keys = new char[states - 1];
    targets = new int[states - 1];
    int k = 0;
    for (int s = 0; s < states; s++) {
      childStart[s] = k;
      for (var e : children.get(s).entrySet()) {
        keys[k] = e.getKey();
        targets[k] = e.getValue();
        k++;
      }
    }
    childStart[states] = k;
    output = out.stream().mapToInt(Integer::intValue).toArray();
    fail = new int[states];
    dictLink = new int[states];
    Arrays.fill(dictLink, -1);
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    for (int c = childStart[0]; c < childStart[1]; c++) {
      queue.add(targets[c]);
    }
    while (!queue.isEmpty()) {
      int s = queue.poll();
      for (int c = childStart[s]; c < childStart[s + 1]; c++) {
        int t = targets[c];
        char key = keys[c];
        int f = fail[s];
        int g;
        while ((g = next(f, key)) < 0 && f != 0) {
          f = fail[f];
        }
        fail[t] = g < 0 || g == t ? 0 : g;
        dictLink[t] = output[fail[t]] >= 0 ? fail[t] : dictLink[fail[t]];
        queue.add(t);
      }
    }
  }

  /** The number of states; a measure of the automaton's size. */
  public int states() {
    return fail.length;
  }

  private int next(int state, char c) {
    int lo = childStart[state];
    int hi = childStart[state + 1] - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      char k = keys[mid];
      if (k < c) {
        lo = mid + 1;
      } else if (k > c) {
        hi = mid - 1;
      } else {
        return targets[mid];
      }
    }
    return -1;
  }

  /**
   * Every occurrence of every word in {@code text[0..length)}, ordered by end, and at one end from
   * the longest word to the shortest.
   */
  public List<Match> findAll(char[] text, int length) {
    List<Match> matches = List.of();
    int s = 0;
    for (int i = 0; i < length; i++) {
      char c = text[i];
      int g;
      while ((g = next(s, c)) < 0 && s != 0) {
        s = fail[s];
      }
      s = g < 0 ? 0 : g;
      int o = output[s] >= 0 ? s : dictLink[s];
      while (o >= 0) {
        if (matches.isEmpty()) {
          matches = new ArrayList<>();
        }
        int w = output[o];
        matches.add(new Match(w, i + 1 - wordLength[w], i + 1));
        o = dictLink[o];
      }
    }
    return matches;
  }

  /** {@link #findAll} over a string. */
  public List<Match> findAll(String text) {
    return findAll(text.toCharArray(), text.length());
  }
}
