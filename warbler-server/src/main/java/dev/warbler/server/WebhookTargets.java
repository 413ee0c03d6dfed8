package dev.warbler.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The SSRF rules of webhook targets: the scheme must be https (http only with {@code
 * webhooks.allow-http}), and every address the host resolves to must be public: no loopback,
 * link-local (the cloud metadata address 169.254.169.254 included), private, carrier-grade NAT,
 * unique-local, multicast, unspecified or broadcast address, and none of them hidden in an
 * IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address, unless it lies in one of the networks
 * of {@code webhooks.allowed-networks}. Checked when a subscription is saved and again before each
 * attempt. Thread-safe, immutable.
 */
final class WebhookTargets {
  private final boolean allowHttp;
  private final List<Network> allowed;

  /** A CIDR network, e.g. {@code 127.0.0.1/32} or {@code fd00::/8}. */
  record Network(byte[] prefix, int bits) {
    static Network parse(String cidr) {
      String c = cidr.trim();
      int slash = c.indexOf('/');
      String host = slash < 0 ? c : c.substring(0, slash);
      if (!host.matches("[0-9a-fA-F:.]+")) {
        throw new IllegalArgumentException(
            "webhooks.allowed-networks: '" + cidr + "' is not an IP address or CIDR network");
      }
      byte[] address;
      try {
        address = InetAddress.getByName(host).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(
            "webhooks.allowed-networks: '" + cidr + "' is not an IP address or CIDR network");
      }
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(c.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException(
              "webhooks.allowed-networks: '" + cidr + "' has an invalid prefix length");
        }
      }
      return new Network(address, bits);
    }

    boolean contains(InetAddress a) {
      return matches(a.getAddress(), prefix, bits);
    }
  }

  WebhookTargets(boolean allowHttp, List<String> allowedNetworks) {
    this.allowHttp = allowHttp;
    List<Network> n = new ArrayList<>();
    for (String cidr : allowedNetworks) {
      if (!cidr.isBlank()) {
        n.add(Network.parse(cidr));
      }
    }
    this.allowed = List.copyOf(n);
  }

  /** Why {@code url} may not be called now, or empty; resolves its host (blocking). */
  Optional<String> refusal(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      return Optional.of("not a valid URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && allowHttp)) {
      return Optional.of("scheme '" + scheme + "' is not allowed (https only)");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return Optional.of("no host");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return Optional.of("host '" + host + "' does not resolve");
    }
    for (InetAddress a : addresses) {
      Optional<String> why = forbidden(a);
      if (why.isPresent() && allowed.stream().noneMatch(n -> n.contains(a))) {
        return Optional.of(
            "host '"
                + host
                + "' resolves to "
                + a.getHostAddress()
                + ", "
                + why.get()
                + " (webhooks.allowed-networks)");
      }
    }
    return Optional.empty();
  }

  /** Why an address is not public, or empty when it is. */
  static Optional<String> forbidden(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      // IPv4 inside IPv6: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::/96
      if (matches(b, V4_MAPPED, 96)
          || (matches(b, new byte[16], 96) && !allZero(b, 12, 16) && !isOne(b))
          || matches(b, NAT64, 96)) {
        return embedded(b, 12);
      }
      if (matches(b, SIX_TO_FOUR, 16)) {
        return embedded(b, 2);
      }
    }
    if (a.isAnyLocalAddress()) {
      return Optional.of("an unspecified address");
    }
    if (a.isLoopbackAddress() || (b.length == 16 && isOne(b))) {
      return Optional.of("a loopback address");
    }
    if (b.length == 4 && (b[0] & 0xff) == 169 && (b[1] & 0xff) == 254) {
      return Optional.of(
          (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254
              ? "the cloud metadata address"
              : "a link-local address");
    }
    if (a.isLinkLocalAddress()) {
      return Optional.of("a link-local address");
    }
    if (a.isMulticastAddress()) {
      return Optional.of("a multicast address");
    }
    if (a.isSiteLocalAddress()) {
      return Optional.of("a private address");
    }
    if (b.length == 4) {
      int o0 = b[0] & 0xff;
      int o1 = b[1] & 0xff;
      if (o0 == 0) {
        return Optional.of("an unspecified address");
      }
      if (o0 == 100 && (o1 & 0xc0) == 64) {
        return Optional.of("a carrier-grade NAT address");
      }
      if (o0 >= 240) {
        return Optional.of("a reserved or broadcast address");
      }
    } else if ((b[0] & 0xfe) == 0xfc) {
      return Optional.of("a unique-local address");
    }
    return Optional.empty();
  }

  private static final byte[] V4_MAPPED = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0
  };
  private static final byte[] NAT64 = {
    0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
  };
  private static final byte[] SIX_TO_FOUR = {0x20, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

  private static Optional<String> embedded(byte[] b, int from) {
    try {
      InetAddress v4 =
          InetAddress.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
      return forbidden(v4).map(why -> why + " inside an IPv6 address");
    } catch (UnknownHostException e) {
      return Optional.of("an invalid address");
    }
  }

  private static boolean isOne(byte[] b) {
    return b.length == 16 && allZero(b, 0, 15) && b[15] == 1;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(byte[] address, byte[] prefix, int bits) {
    if (address.length != prefix.length) {
      return false;
    }
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >> (i % 8);
      if ((address[i / 8] & mask) != (prefix[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }
}
