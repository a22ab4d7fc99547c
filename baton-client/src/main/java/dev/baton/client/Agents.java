package dev.baton.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agents a client may ask, in the order given, starting with the last one that answered.
 * Thread-safe.
 */
final class Agents {
  private final List<URI> bases;
  private final AtomicInteger preferred = new AtomicInteger();

  Agents(List<String> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("no agent given; expected at least one API address such as 10.0.0.5:7070");
    }
    List<URI> parsed = new ArrayList<>();
    for (String a : addresses) {
      parsed.add(parse(a));
    }
    this.bases = List.copyOf(parsed);
  }

  /** {@code host:port}, {@code http://host:port} or {@code https://host:port}; plain {@code host:port} is http. */
  static URI parse(String address) {
    String text = address == null ? "" : address.strip();
    String url = text.contains("://") ? text : "http://" + text;
    try {
      URI uri = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65_535
          || (uri.getPath() != null && !uri.getPath().isEmpty())) {
        throw new URISyntaxException(text, "not http(s)://host:port");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("invalid agent address \"" + text + "\"; expected host:port,"
          + " http://host:port or https://host:port with a port from 1 to 65535, e.g. 10.0.0.5:7070");
    }
  }

  /** The agents to try now: the last one that answered first, then the others in order. */
  List<URI> inOrder() {
    int first = preferred.get();
    List<URI> order = new ArrayList<>(bases.size());
    for (int i = 0; i < bases.size(); i++) {
      order.add(bases.get((first + i) % bases.size()));
    }
    return order;
  }

  /** {@code base} answered: ask it first from now on. */
  void answered(URI base) {
    int i = bases.indexOf(base);
    if (i >= 0) {
      preferred.set(i);
    }
  }

  @Override
  public String toString() {
    return bases.toString();
  }
}
