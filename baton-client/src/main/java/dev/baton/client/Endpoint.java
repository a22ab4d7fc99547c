package dev.baton.client;

/**
 * Where a service answers: one provider's {@code host:port}, as its node's config declares it
 * ({@code services.<name>.endpoint}), and the facts {@code resolve} gave with it.
 *
 * @param node the node the provider runs on
 * @param host the host to connect to (an IPv6 address without brackets)
 * @param port the port, 1 to 65535
 * @param epoch the service's epoch when it was resolved: a newer owner has a higher one
 * @param location the node's location ({@code ""} for the root)
 */
public record Endpoint(String node, String host, int port, long epoch, String location) {
  /** {@code host:port}, with an IPv6 host in brackets: what to put in a URL. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** Parses {@code host:port} or {@code [ipv6]:port} as the agents publish it. */
  static Endpoint parse(String node, String address, long epoch, String location) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new BatonClientException("node " + node + " published the endpoint \"" + address + "\", which is not host:port");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65_535) {
      throw new BatonClientException("node " + node + " published the endpoint \"" + address
          + "\", whose port is not 1 to 65535");
    }
    return new Endpoint(node, host, port, epoch, location);
  }

  @Override
  public String toString() {
    return address() + " (" + node + ", epoch " + epoch + ")";
  }
}
