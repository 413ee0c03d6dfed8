package dev.warbler.api;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host names that name this node, from which discovery may build a WebSocket URL when no public
 * URL is configured: {@code localhost}, loopback addresses, the addresses of this machine's network
 * interfaces (read once, at start) and {@code http.allowed-hosts}. Immutable and thread-safe.
 */
final class LocalHosts {
  private static final Logger log = LoggerFactory.getLogger(LocalHosts.class);

  private static final java.util.regex.Pattern LOOPBACK_V4 =
      java.util.regex.Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

  private final Set<String> names;

  private LocalHosts(Set<String> names) {
    this.names = Set.copyOf(names);
  }

  static LocalHosts of(List<String> allowed) {
    Set<String> names = new HashSet<>(allowed);
    names.add("localhost");
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          names.add(normalize(a.getHostAddress()));
        }
      }
    } catch (SocketException | RuntimeException e) {
      log.debug("cannot list the network interfaces; discovery allows loopback names only", e);
    }
    return new LocalHosts(names);
  }

  /** Whether discovery may announce a WebSocket URL on {@code host} (without port). */
  boolean allows(String host) {
    String h = normalize(host);
    return names.contains(h)
        || LOOPBACK_V4.matcher(h).matches()
        || h.equals("0:0:0:0:0:0:0:1")
        || h.endsWith(".localhost");
  }

  /**
   * The host of a {@code Host} header value: {@code [::1]:80} -> {@code ::1}, {@code a:80} -> a.
   */
  static String hostOnly(String hostHeader) {
    String h = hostHeader.strip();
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return normalize(end > 0 ? h.substring(1, end) : h.substring(1));
    }
    int colon = h.indexOf(':');
    if (colon >= 0 && colon == h.lastIndexOf(':')) {
      h = h.substring(0, colon);
    }
    return normalize(h);
  }

  /** Lower case, without an IPv6 zone ({@code fe80::1%eth0}) or a trailing dot. */
  private static String normalize(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.indexOf(':') >= 0) {
      try {
        // One spelling per IPv6 address; the brackets keep the JDK from asking DNS.
        h = InetAddress.getByName("[" + h + "]").getHostAddress();
      } catch (java.net.UnknownHostException e) {
        return h;
      }
    }
    return h;
  }
}
