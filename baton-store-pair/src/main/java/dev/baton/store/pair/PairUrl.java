package dev.baton.store.pair;

import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pair store URL: {@code pair://PEER_HOST:PORT?listen=HOST:PORT&key-file=FILE&...} for a member
 * of the pair (the agent config's {@code pair:} section becomes these parameters), or
 * {@code pair://HOST:PORT,HOST:PORT?key-file=FILE} for a client that only talks to whichever
 * member is live.
 *
 * @param members where the members listen: the peer for a member, one or both for a client
 * @param listen where this member listens for its peer and clients; null for a client
 * @param interval how often the live member heartbeats its backup
 * @param threshold how many missed heartbeats make the backup go live
 * @param keyFile the shared key that signs every message
 * @param dataFile where a member keeps its copy of the pair's state across restarts; null for none
 * @param witness the store URL of the witness, or null for none
 * @param backup whether the member starts as the backup (it never goes live while its peer is)
 */
public record PairUrl(List<InetSocketAddress> members, InetSocketAddress listen, Duration interval,
    int threshold, Path keyFile, Path dataFile, String witness, boolean backup) {
  static final String SCHEME = "pair://";
  static final Duration DEFAULT_INTERVAL = Duration.ofMillis(200);
  static final int DEFAULT_THRESHOLD = 5;
  private static final Set<String> KEYS = Set.of("listen", "interval", "threshold", "key-file", "data",
      "witness", "role");
  private static final String EXPECTED = "expected pair://PEER_HOST:PORT?listen=HOST:PORT&key-file=FILE"
      + " (the agent config's pair: section fills in the parameters)";

  public PairUrl {
    members = List.copyOf(members);
  }

  /** Whether this URL is for a member of the pair (it listens), rather than a client. */
  public boolean member() {
    return listen != null;
  }

  /** How long the backup waits without a heartbeat before it goes live: interval x threshold. */
  public Duration silence() {
    return interval.multipliedBy(threshold);
  }

  /** Parses {@code url}; throws {@link InvalidInputException} naming every problem. */
  public static PairUrl parse(String url) {
    List<String> problems = new ArrayList<>();
    PairUrl parsed = parse(url, problems);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
    return parsed;
  }

  static PairUrl parse(String url, List<String> problems) {
    if (url == null || !url.startsWith(SCHEME)) {
      problems.add("store URL \"" + url + "\" is not a pair URL; " + EXPECTED);
      return null;
    }
    String rest = url.substring(SCHEME.length());
    int q = rest.indexOf('?');
    String hosts = q < 0 ? rest : rest.substring(0, q);
    if (hosts.endsWith("/")) {
      hosts = hosts.substring(0, hosts.length() - 1);
    }
    List<InetSocketAddress> members = new ArrayList<>();
    for (String h : hosts.split(",")) {
      InetSocketAddress a = address(h, "the peer address", problems);
      if (a != null) {
        members.add(a);
      }
    }
    Map<String, String> params = new LinkedHashMap<>();
    if (q >= 0 && q + 1 < rest.length()) {
      for (String pair : rest.substring(q + 1).split("&")) {
        int eq = pair.indexOf('=');
        String key = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (!KEYS.contains(key)) {
          problems.add("pair store parameter \"" + key + "\" is unknown; known: " + String.join(", ",
              KEYS.stream().sorted().toList()));
        } else {
          params.put(key, value);
        }
      }
    }
    InetSocketAddress listen = params.containsKey("listen")
        ? address(params.get("listen"), "pair.listen", problems) : null;
    if (listen != null && members.size() != 1) {
      problems.add("a pair member names exactly one peer in its store URL (pair://PEER_HOST:PORT), got "
          + members.size());
    }
    if (listen == null && params.keySet().stream().anyMatch(k -> !k.equals("key-file"))) {
      problems.add("pair store parameters other than key-file need listen (they configure a member)");
    }
    Duration interval = DEFAULT_INTERVAL;
    if (params.containsKey("interval")) {
      try {
        interval = Durations.parse(params.get("interval"));
        if (interval.toMillis() < 10 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
          problems.add("pair.interval " + params.get("interval") + " is outside 10ms to 10s");
        }
      } catch (RuntimeException e) {
        problems.add("pair.interval \"" + params.get("interval") + "\" is not a duration such as 200ms");
      }
    }
    int threshold = DEFAULT_THRESHOLD;
    if (params.containsKey("threshold")) {
      try {
        threshold = Integer.parseInt(params.get("threshold"));
      } catch (NumberFormatException e) {
        threshold = -1;
      }
      if (threshold < 3 || threshold > 100) {
        problems.add("pair.threshold \"" + params.get("threshold") + "\" is not a whole number from 3 to 100"
            + " (fewer than 3 lets one lost heartbeat and one late one move the services)");
      }
    }
    Path keyFile = null;
    if (!params.containsKey("key-file") || params.get("key-file").isBlank()) {
      problems.add("a pair needs pair.key-file, a file holding the key both members share (at least 16"
          + " bytes; e.g. head -c 32 /dev/urandom | base64 > /etc/baton/pair.key), so that no stray packet"
          + " can keep a dead live node alive or make a backup go live");
    } else {
      keyFile = Path.of(params.get("key-file"));
      if (!keyFile.isAbsolute()) {
        problems.add("pair.key-file \"" + keyFile + "\" is not an absolute path");
      }
    }
    Path data = params.containsKey("data") ? Path.of(params.get("data")) : null;
    String witness = params.get("witness");
    if (witness != null && (witness.isBlank() || witness.startsWith(SCHEME))) {
      problems.add("pair.witness \"" + witness + "\" is not the URL of a store of another kind"
          + " (sqlite:, postgresql:// or zookeeper://)");
      witness = null;
    }
    String role = params.getOrDefault("role", "live");
    if (!role.equals("live") && !role.equals("backup")) {
      problems.add("pair.role \"" + role + "\" is neither live nor backup");
    }
    if (!problems.isEmpty()) {
      return null;
    }
    return new PairUrl(members, listen, interval, threshold, keyFile, data, witness, role.equals("backup"));
  }

  private static InetSocketAddress address(String text, String what, List<String> problems) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      problems.add(what + " \"" + text + "\" is not HOST:PORT");
      return null;
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(text.substring(colon + 1));
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return InetSocketAddress.createUnresolved(host, port);
    } catch (NumberFormatException e) {
      problems.add(what + " \"" + text + "\" has no port from 1 to 65535");
      return null;
    }
  }

  static String show(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
