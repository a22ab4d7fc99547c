package dev.baton.agent.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Who may use the node's API and how others reach it: the {@code api} keys besides {@code listen}.
 *
 * @param advertise what other nodes and clients use to reach this agent (published in the node's
 *     record); port 0: the port the API listens on; null: derived from {@code api.listen}
 *     ({@link #advertised})
 * @param token the bearer token every request but the health probes and {@code /active} must
 *     carry; null: none (the API is open)
 * @param insecure whether the agent may serve an API beyond loopback without a token
 * @param tls the API's certificate and key: it serves HTTPS; null: plain HTTP
 */
public record ApiAccess(ApiListen advertise, ApiToken token, boolean insecure, ApiTls tls) {
  /** No advertise address, no token, not insecure, no TLS: what a config without those keys gets. */
  public static final ApiAccess NONE = new ApiAccess(null, null, false, null);

  /** The same, allowed to serve an API beyond loopback without a token ({@code baton agent --insecure}). */
  public ApiAccess withInsecure() {
    return new ApiAccess(advertise, token, true, tls);
  }

  /** {@code https} with TLS, else {@code http}. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  /**
   * Why an agent listening on {@code listen} must not start with this access, or empty when it may:
   * an API beyond loopback without a token lets anyone who reaches the port stop services.
   */
  public Optional<String> refusal(ApiListen listen) {
    if (token != null || insecure || isLoopback(listen.host())) {
      return Optional.empty();
    }
    return Optional.of("api.listen " + listen + " is reachable beyond this host and api.token-file is not set:"
        + " anyone who reaches the port could stop services and drain nodes. Set api.token-file to a file holding"
        + " a secret token (the same on every node of the group), listen on 127.0.0.1, or, on a network you trust,"
        + " start with `baton agent --insecure` (or api.insecure: true)");
  }

  /**
   * The address this node publishes for its API, {@code host:port}: {@code api.advertise} (with
   * {@code port} when it names none); else the listen host, or, when that is a wildcard address
   * (0.0.0.0, ::), this host's first non-loopback address ({@link #hostAddress()}).
   *
   * @param port the port the API listens on
   */
  public String advertised(ApiListen listen, int port) {
    if (advertise != null) {
      return new ApiListen(advertise.host(), advertise.port() == 0 ? port : advertise.port()).toString();
    }
    String host = isWildcard(listen.host()) ? hostAddress() : listen.host();
    return new ApiListen(host, port).toString();
  }

  /**
   * This host's first non-loopback address of an interface that is up: IPv4 before IPv6, interfaces
   * in the order the system lists them; 127.0.0.1 when there is none.
   */
  static String hostAddress() {
    try {
      List<NetworkInterface> up = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
          .filter(ApiAccess::usable).toList();
      Optional<InetAddress> found = up.stream().flatMap(NetworkInterface::inetAddresses)
          .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst();
      if (found.isEmpty()) {
        found = up.stream().flatMap(NetworkInterface::inetAddresses)
            .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()).findFirst();
      }
      return found.map(a -> a.getHostAddress().replaceAll("%.*", "")).orElse("127.0.0.1");
    } catch (SocketException e) {
      return "127.0.0.1";
    }
  }

  private static boolean usable(NetworkInterface n) {
    try {
      return n.isUp() && !n.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }

  static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.matches("[0:]*::[0:]*") || host.equals("0:0:0:0:0:0:0:0");
  }

  /** Whether {@code host} is a loopback address or {@code localhost}: only this host can reach it. */
  static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1")) {
      return true;
    }
    return false;
  }
}
