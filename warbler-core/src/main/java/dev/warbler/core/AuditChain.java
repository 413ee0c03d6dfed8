package dev.warbler.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The audit log's hash chain: {@code hash(n) = SHA-256(bytes(hash(n-1)) || canonical(n))} with
 * {@code hash(0)} 32 zero bytes, where {@code canonical} is the entry's fields in a fixed order
 * (seq, time, app, actor, ip, action, target, outcome, error, count, detail), each written as its
 * UTF-8 length in decimal, a colon, its UTF-8 bytes and a newline: unambiguous, independent of any
 * JSON library. Editing a field, deleting a row or reordering rows breaks the chain at that row.
 */
public final class AuditChain {
  /** The previous hash of the first entry. */
  public static final String GENESIS = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();

  private AuditChain() {}

  /** The canonical bytes of an entry. */
  public static byte[] canonical(long seq, AuditEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    field(out, Long.toString(seq));
    field(out, Long.toString(e.time()));
    field(out, e.app());
    field(out, e.actor());
    field(out, e.ip());
    field(out, e.action());
    field(out, e.target());
    field(out, e.outcome());
    field(out, e.error());
    field(out, Long.toString(e.count()));
    field(out, e.detail());
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
    out.write(':');
    out.writeBytes(bytes);
    out.write('\n');
  }

  /** The hash (hex) of entry {@code seq} following {@code prevHash} (hex). */
  public static String hash(String prevHash, long seq, AuditEvent e) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(HEX.parseHex(prevHash));
      sha.update(canonical(seq, e));
      return HEX.formatHex(sha.digest());
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("SHA-256 is missing", ex);
    } catch (IllegalArgumentException ex) {
      return "invalid-previous-hash";
    }
  }

  /**
   * Checks records fed in log order (the whole log, from seq 1): each must follow the previous one
   * (seq + 1), name its hash as prevHash, and carry the hash of its content.
   */
  public static final class Verifier {
    private long seq;
    private String head = GENESIS;
    private long checked;
    private @org.jspecify.annotations.Nullable String problem;

    /** Feeds the next record; returns false (and keeps the first problem) once broken. */
    public boolean accept(AuditRecord r) {
      if (problem != null) {
        return false;
      }
      if (r.seq() != seq + 1) {
        problem =
            "entry "
                + r.seq()
                + ": expected seq "
                + (seq + 1)
                + " (an entry was deleted or the rows were reordered)";
      } else if (!r.prevHash().equals(head)) {
        problem = "entry " + r.seq() + ": prevHash does not match the hash of entry " + seq;
      } else if (!hash(head, r.seq(), r.event()).equals(r.hash())) {
        problem = "entry " + r.seq() + ": hash does not match its content (the entry was edited)";
      }
      if (problem != null) {
        return false;
      }
      seq = r.seq();
      head = r.hash();
      checked++;
      return true;
    }

    /** The first problem found; empty while the chain holds. */
    public Optional<String> problem() {
      return Optional.ofNullable(problem);
    }

    /** The seq of the first broken entry (the one after the last good one). */
    public long firstBroken() {
      return problem == null ? 0 : seq + 1;
    }

    /** Entries that verified. */
    public long checked() {
      return checked;
    }

    /** The hash of the last good entry: record it elsewhere to detect a truncated tail later. */
    public String head() {
      return head;
    }
  }
}
