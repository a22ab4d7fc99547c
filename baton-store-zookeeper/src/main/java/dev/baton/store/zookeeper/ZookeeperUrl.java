package dev.baton.store.zookeeper;

import dev.baton.core.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A parsed {@code zookeeper://host:port,host:port/chroot} URL: the ensemble to connect to and the
 * path under which Baton keeps its groups. The port defaults to 2181 and the chroot to
 * {@value #DEFAULT_CHROOT}.
 *
 * @param connectString the ensemble as ZooKeeper's client takes it ({@code h1:2181,h2:2181})
 * @param chroot the absolute path of Baton's znodes, without a trailing slash
 */
record ZookeeperUrl(String connectString, String chroot) {
  static final String SCHEME = "zookeeper://";
  static final String DEFAULT_CHROOT = "/baton";
  private static final String EXPECTED = "expected zookeeper://host:port[,host:port...][/chroot],"
      + " e.g. zookeeper://zk1:2181,zk2:2181,zk3:2181/baton";
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");

  static boolean accepts(String url) {
    return url != null && url.startsWith("zookeeper:");
  }

  /** Parses {@code url}; throws {@link InvalidInputException} listing every problem. */
  static ZookeeperUrl parse(String url) {
    List<String> problems = new ArrayList<>();
    ZookeeperUrl parsed = parse(url, problems);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
    return parsed;
  }

  /** Problems with {@code url}, each a sentence that echoes it and says what is expected. */
  static List<String> problems(String url) {
    List<String> problems = new ArrayList<>();
    parse(url, problems);
    return problems;
  }

  private static ZookeeperUrl parse(String url, List<String> problems) {
    String quoted = "invalid ZooKeeper store URL \"" + url + "\": ";
    if (url == null || !url.startsWith(SCHEME)) {
      problems.add(quoted + EXPECTED);
      return null;
    }
    String rest = url.substring(SCHEME.length());
    if (rest.contains("?") || rest.contains("#")) {
      problems.add(quoted + "it takes no query or fragment; " + EXPECTED);
      return null;
    }
    int slash = rest.indexOf('/');
    String hosts = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash);
    if (hosts.contains("@")) {
      problems.add(quoted + "credentials do not go in the URL; put user:password in the file named by"
          + " store-password-file, and " + EXPECTED);
      return null;
    }
    List<String> servers = new ArrayList<>();
    if (hosts.isEmpty()) {
      problems.add(quoted + "no server is named; " + EXPECTED);
    }
    for (String server : hosts.isEmpty() ? new String[0] : hosts.split(",", -1)) {
      String checked = checkServer(server, quoted, problems);
      if (checked != null) {
        servers.add(checked);
      }
    }
    String chroot = checkChroot(path, quoted, problems);
    if (!problems.isEmpty()) {
      return null;
    }
    return new ZookeeperUrl(String.join(",", servers), chroot);
  }

  /** The server as {@code host:port}, or null after adding a problem. */
  private static String checkServer(String server, String quoted, List<String> problems) {
    if (server.isEmpty()) {
      problems.add(quoted + "an empty server entry (two commas, or a trailing comma); " + EXPECTED);
      return null;
    }
    String host = server;
    String port = "2181";
    int colon = server.lastIndexOf(':');
    if (colon >= 0 && !(server.startsWith("[") && colon < server.indexOf(']'))) {
      host = server.substring(0, colon);
      port = server.substring(colon + 1);
    }
    if (!HOST.matcher(host).matches() && !IPV6.matcher(host).matches()) {
      problems.add(quoted + "server \"" + server + "\" has no valid host name; " + EXPECTED);
      return null;
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      number = -1;
    }
    if (number < 1 || number > 65535) {
      problems.add(quoted + "server \"" + server + "\" has port \"" + port
          + "\"; expected a number from 1 to 65535");
      return null;
    }
    return host + ":" + number;
  }

  private static String checkChroot(String path, String quoted, List<String> problems) {
    if (path.isEmpty()) {
      return DEFAULT_CHROOT;
    }
    if (path.equals("/")) {
      problems.add(quoted + "the chroot \"/\" would put Baton's znodes at the root of the ensemble;"
          + " give a path such as /baton, or none for the default " + DEFAULT_CHROOT);
      return null;
    }
    String[] segments = path.substring(1).split("/", -1);
    for (String segment : segments) {
      if (!SEGMENT.matcher(segment).matches() || segment.equals(".") || segment.equals("..")) {
        problems.add(quoted + "chroot \"" + path + "\" has the segment \"" + segment
            + "\"; expected segments of letters, digits, '.', '_' or '-', separated by single slashes");
        return null;
      }
    }
    if (segments[0].equals("zookeeper")) {
      problems.add(quoted + "chroot \"" + path + "\" is under /zookeeper, which ZooKeeper reserves"
          + " for itself; choose another path such as /baton");
      return null;
    }
    return path;
  }
}
