package dev.warbler.core.access;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The reverse proxies and load balancers whose {@code X-Forwarded-*} headers are believed ({@code
 * http.trusted-proxies}): a list of IP addresses and CIDR blocks. A request that arrives from any
 * other address is taken at face value: its forwarded headers are ignored, so a client cannot
 * choose the address it is audited, throttled and limited under, nor the URL discovery announces.
 *
 * <p>Only literal addresses are accepted, never host names: parsing never touches DNS. Immutable
 * and thread-safe.
 */
public final class TrustedProxies {
  private record Block(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  private static final TrustedProxies NONE = new TrustedProxies(List.of());

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  /** No proxy is trusted: every forwarded header is ignored. */
  public static TrustedProxies none() {
    return NONE;
  }

  /**
   * Parses entries like {@code 10.0.0.0/8}, {@code 192.168.1.7} or {@code fd00::/8}. Throws {@link
   * IllegalArgumentException} naming the bad entry.
   */
  public static TrustedProxies parse(List<String> entries) {
    List<Block> blocks = new ArrayList<>();
    for (String raw : entries) {
      String entry = raw.strip();
      if (entry.isEmpty()) {
        continue;
      }
      int slash = entry.indexOf('/');
      String ip = slash < 0 ? entry : entry.substring(0, slash);
      byte[] network =
          literal(ip)
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "http.trusted-proxies entry '"
                          + entry
                          + "' is not an IP address or CIDR block (like 10.0.0.0/8)"));
      int prefix = network.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        if (prefix < 0 || prefix > network.length * 8) {
          throw new IllegalArgumentException(
              "http.trusted-proxies entry '"
                  + entry
                  + "' has a prefix length outside 0-"
                  + network.length * 8);
        }
      }
      blocks.add(new Block(network, prefix));
    }
    return blocks.isEmpty() ? NONE : new TrustedProxies(blocks);
  }

  /** True when no proxy is trusted. */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code ip} (a literal address) is a trusted proxy. */
  public boolean trusts(String ip) {
    if (blocks.isEmpty()) {
      return false;
    }
    Optional<byte[]> address = literal(ip);
    if (address.isEmpty()) {
      return false;
    }
    byte[] a = address.get();
    for (Block b : blocks) {
      if (b.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client's address for a request that arrived from {@code peer} with {@code forwardedFor}
   * (the {@code X-Forwarded-For} header, or null): the right-most address of the chain that is not
   * a trusted proxy, starting from the peer. A chain of trusted hops only is the left-most one; a
   * peer that is not trusted is the client, whatever the header says.
   */
  public String clientAddress(String peer, @org.jspecify.annotations.Nullable String forwardedFor) {
    if (forwardedFor == null || forwardedFor.isBlank() || !trusts(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = stripPort(hops[i].strip());
      if (literal(hop).isEmpty()) {
        // Garbage in the chain: stop at the last hop we could read.
        return client;
      }
      client = hop;
      if (!trusts(hop)) {
        return hop;
      }
    }
    return client;
  }

  /** The bytes of a literal IPv4 or IPv6 address; empty for anything else (never a DNS lookup). */
  static Optional<byte[]> literal(String s) {
    String ip = s;
    if (ip.startsWith("[") && ip.endsWith("]")) {
      ip = ip.substring(1, ip.length() - 1);
    }
    if (ip.isEmpty() || ip.length() > 45) {
      return Optional.empty();
    }
    boolean v6 = ip.indexOf(':') >= 0;
    for (int i = 0; i < ip.length(); i++) {
      char c = ip.charAt(i);
      boolean ok =
          (c >= '0' && c <= '9')
              || c == '.'
              || (v6 && (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
      if (!ok) {
        return Optional.empty();
      }
    }
    if (!v6) {
      return ipv4(ip);
    }
    try {
      // Brackets make the JDK parse an IPv6 literal or fail: it never falls back to DNS then.
      return Optional.of(InetAddress.getByName("[" + ip + "]").getAddress());
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  private static Optional<byte[]> ipv4(String ip) {
    String[] parts = ip.split("\\.", -1);
    if (parts.length != 4) {
      return Optional.empty();
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3) {
        return Optional.empty();
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return Optional.empty();
      }
      bytes[i] = (byte) v;
    }
    return Optional.of(bytes);
  }

  /** {@code 1.2.3.4:5678} -> {@code 1.2.3.4}; {@code [::1]:80} -> {@code ::1}; others as given. */
  private static String stripPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end > 0 ? hop.substring(1, end) : hop;
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && colon == hop.lastIndexOf(':')) {
      return hop.substring(0, colon);
    }
    return hop;
  }
}
