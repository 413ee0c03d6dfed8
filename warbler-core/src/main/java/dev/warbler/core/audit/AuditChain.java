package dev.warbler.core.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The audit log's chain. Each entry carries the previous entry's hash and its own:
 *
 * <ul>
 *   <li><b>Keyed</b> (every entry written since the chain was keyed): {@code hash(n) =
 *       HMAC-SHA256(key, bytes(hash(n-1)) || canonical(n) || appSeq(n))}. Without the {@link
 *       AuditKey}, which lives outside the database, nobody can recompute the chain after an edit.
 *   <li><b>Legacy</b> (entries written before, by an older version): {@code hash(n) =
 *       SHA-256(bytes(hash(n-1)) || canonical(n))}. Accepted only before the first keyed entry, so
 *       they cannot be forged later: the first keyed entry's MAC covers the legacy head.
 * </ul>
 *
 * {@code hash(0)} is 32 zero bytes. {@code canonical} is the entry's fields in a fixed order (seq,
 * time, app, actor, ip, action, target, outcome, error, count, detail), each written as its UTF-8
 * length in decimal, a colon, its UTF-8 bytes and a newline: unambiguous, independent of any JSON
 * library. Editing a field, deleting a row or reordering rows breaks the chain at that row; a cut
 * tail is found by comparing with a head published earlier (the server logs it periodically).
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

  /** The legacy (unkeyed) hash (hex) of entry {@code seq} following {@code prevHash} (hex). */
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
   * The keyed hash (hex) of entry {@code seq} ({@code appSeq} in its app) after {@code prevHash}.
   */
  public static String mac(AuditKey key, String prevHash, long seq, long appSeq, AuditEvent e) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.secret(), "HmacSHA256"));
      mac.update(HEX.parseHex(prevHash));
      mac.update(canonical(seq, e));
      ByteArrayOutputStream app = new ByteArrayOutputStream(24);
      field(app, Long.toString(appSeq));
      mac.update(app.toByteArray());
      return HEX.formatHex(mac.doFinal());
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException("HmacSHA256 is missing", ex);
    } catch (IllegalArgumentException ex) {
      return "invalid-previous-hash";
    }
  }

  /**
   * Checks records fed in log order (the whole log, from seq 1): each must follow the previous one
   * (seq + 1, and appSeq + 1 within its app), name its hash as prevHash, and carry the hash of its
   * content: keyed under {@code key}, or legacy while no keyed entry came before.
   */
  public static final class Verifier {
    private final AuditKey key;
    private final Map<String, Long> appSeqs = new HashMap<>();
    private long seq;
    private String head = GENESIS;
    private long checked;
    private boolean keyedSeen;
    private long legacy;
    private @org.jspecify.annotations.Nullable String problem;

    public Verifier(AuditKey key) {
      this.key = key;
    }

    /** Feeds the next record; returns false (and keeps the first problem) once broken. */
    public boolean accept(AuditRecord r) {
      if (problem != null) {
        return false;
      }
      long appSeq = appSeqs.getOrDefault(r.event().app(), 0L);
      if (r.seq() != seq + 1) {
        problem =
            "entry "
                + r.seq()
                + ": expected seq "
                + (seq + 1)
                + " (an entry was deleted or the rows were reordered)";
      } else if (r.appSeq() != appSeq + 1) {
        problem =
            "entry "
                + r.seq()
                + ": expected app seq "
                + (appSeq + 1)
                + " of app '"
                + r.event().app()
                + "' but found "
                + r.appSeq();
      } else if (!r.prevHash().equals(head)) {
        problem = "entry " + r.seq() + ": prevHash does not match the hash of entry " + seq;
      } else if (!r.keyed() && keyedSeen) {
        problem =
            "entry "
                + r.seq()
                + ": not keyed after the chain was keyed (rewritten without the audit key)";
      } else if (r.keyed()
          ? !mac(key, head, r.seq(), r.appSeq(), r.event()).equals(r.hash())
          : !hash(head, r.seq(), r.event()).equals(r.hash())) {
        problem =
            "entry "
                + r.seq()
                + ": hash does not match its content (the entry was edited"
                + (r.keyed() ? ", or the audit key is not the one that wrote it)" : ")");
      }
      if (problem != null) {
        return false;
      }
      seq = r.seq();
      head = r.hash();
      appSeqs.put(r.event().app(), r.appSeq());
      keyedSeen |= r.keyed();
      if (!r.keyed()) {
        legacy++;
      }
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

    /** Entries that verified under the legacy, unkeyed hash. */
    public long legacy() {
      return legacy;
    }

    /** Whether a keyed entry verified: from there on, only keyed entries are accepted. */
    public boolean keyedSeen() {
      return keyedSeen;
    }

    /** The seq of the last good entry (0 for an empty log). */
    public long headSeq() {
      return seq;
    }

    /** The hash of the last good entry: record it elsewhere to detect a truncated tail later. */
    public String head() {
      return head;
    }
  }
}
