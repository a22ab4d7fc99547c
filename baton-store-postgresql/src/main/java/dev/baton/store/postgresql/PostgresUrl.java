package dev.baton.store.postgresql;

import dev.baton.core.InvalidInputException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.postgresql.PGProperty;

/**
 * A parsed PostgreSQL store URL: {@code postgresql://user[:password]@host[:port][,host2[:port2]]/database[?param=value&...]},
 * also spelled {@code postgres://} or {@code jdbc:postgresql://}. User and password may also come
 * as {@code user} and {@code password} query parameters; the other parameters go to the JDBC
 * driver as they are ({@code sslmode=require}, {@code currentSchema=baton}).
 *
 * @param password the password from the URL, or null
 */
record PostgresUrl(String user, String password, List<Host> hosts, String database, Map<String, String> params) {
  static final String EXPECTED = "expected postgresql://user[:password]@host[:port]/database";
  private static final List<String> PREFIXES = List.of("jdbc:postgresql://", "postgresql://", "postgres://");

  record Host(String name, int port) {
    @Override
    public String toString() {
      return (name.contains(":") ? "[" + name + "]" : name) + ":" + port;
    }
  }

  static boolean hasScheme(String url) {
    return url != null && PREFIXES.stream().anyMatch(url::startsWith);
  }

  /** Parses {@code url}, or throws an {@link InvalidInputException} listing every problem. */
  static PostgresUrl parse(String url) {
    List<String> problems = new ArrayList<>();
    PostgresUrl parsed = parse(url, problems);
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
    return parsed;
  }

  /** Problems with {@code url}, each a sentence that echoes it (password masked) and says what is expected. */
  static List<String> problems(String url) {
    List<String> problems = new ArrayList<>();
    parse(url, problems);
    return problems;
  }

  private static PostgresUrl parse(String url, List<String> problems) {
    if (!hasScheme(url)) {
      problems.add("store URL \"" + url + "\" is not a PostgreSQL URL; " + EXPECTED);
      return null;
    }
    String shown = "store URL \"" + masked(url) + "\"";
    String rest = url.substring(PREFIXES.stream().filter(url::startsWith).findFirst().orElseThrow().length());
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    int slash = rest.indexOf('/');
    String authority = slash >= 0 ? rest.substring(0, slash) : rest;
    String path = slash >= 0 ? rest.substring(slash + 1) : "";

    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo, shown, "user", problems);
      password = colon >= 0 ? decode(userInfo.substring(colon + 1), shown, "password", problems) : null;
    }

    Map<String, String> params = new LinkedHashMap<>();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          problems.add(shown + " has a malformed parameter \"" + (pair.startsWith("password=") ? "password=***" : pair)
              + "\"; expected name=value pairs joined by &");
          continue;
        }
        String name = decode(pair.substring(0, eq), shown, "parameter name", problems);
        String value = decode(pair.substring(eq + 1), shown, "parameter " + name, problems);
        if (name != null && !name.equals("user") && !name.equals("password") && PGProperty.forName(name) == null) {
          problems.add(shown + " has parameter \"" + name + "\" that the PostgreSQL JDBC driver does not know;"
              + " expected driver parameters such as sslmode, currentSchema or targetServerType");
        }
        params.put(name, value);
      }
    }
    if (params.containsKey("user")) {
      user = user == null || user.isEmpty() ? params.get("user") : user;
      params.remove("user");
    }
    if (params.containsKey("password")) {
      password = password == null ? params.get("password") : password;
      params.remove("password");
    }
    if (user == null || user.isEmpty()) {
      problems.add(shown + " names no user; " + EXPECTED + " (or ?user=name)");
    }

    List<Host> hosts = new ArrayList<>();
    if (authority.isEmpty()) {
      problems.add(shown + " has no host; " + EXPECTED);
    } else {
      for (String hostPort : authority.split(",", -1)) {
        Host host = host(hostPort, shown, problems);
        if (host != null) {
          hosts.add(host);
        }
      }
    }

    String database = decode(path, shown, "database", problems);
    if (database == null || database.isEmpty()) {
      problems.add(shown + " names no database; " + EXPECTED);
    } else if (database.contains("/")) {
      problems.add(shown + " has database \"" + database + "\" containing '/'; " + EXPECTED);
    }
    return problems.isEmpty() ? new PostgresUrl(user, password, List.copyOf(hosts), database, Map.copyOf(params)) : null;
  }

  private static Host host(String hostPort, String shown, List<String> problems) {
    String name;
    String port = null;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        problems.add(shown + " has an unclosed IPv6 address \"" + hostPort + "\"; expected [address]:port");
        return null;
      }
      name = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          problems.add(shown + " has junk \"" + after + "\" after the address; expected [address]:port");
          return null;
        }
        port = after.substring(1);
      }
    } else {
      int colon = hostPort.lastIndexOf(':');
      name = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
      port = colon >= 0 ? hostPort.substring(colon + 1) : null;
    }
    if (name.isEmpty()) {
      problems.add(shown + " has no host" + (port != null ? " before port \"" + port + "\"" : "") + "; " + EXPECTED);
      return null;
    }
    int number = 5432;
    if (port != null) {
      try {
        number = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        number = -1;
      }
      if (number < 1 || number > 65535) {
        problems.add(shown + " has port \"" + port + "\" on host " + name + "; expected a number from 1 to 65535 (default 5432)");
        return null;
      }
    }
    return new Host(name, number);
  }

  private static String decode(String text, String shown, String what, List<String> problems) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      problems.add(shown + " has a malformed %-escape in the " + what + "; escape reserved characters as %XX");
      return null;
    }
  }

  /** The URL with any password replaced by ***, for messages and logs. */
  static String masked(String url) {
    if (url == null) {
      return null;
    }
    String s = url.replaceAll("(password=)[^&]*", "$1***");
    int schemeEnd = s.indexOf("://");
    int slash = schemeEnd < 0 ? -1 : s.indexOf('/', schemeEnd + 3);
    String authority = schemeEnd < 0 ? "" : s.substring(schemeEnd + 3, slash < 0 ? s.length() : slash);
    int at = authority.lastIndexOf('@');
    int colon = at < 0 ? -1 : authority.substring(0, at).indexOf(':');
    if (colon >= 0) {
      String safe = authority.substring(0, colon) + ":***" + authority.substring(at);
      return s.substring(0, schemeEnd + 3) + safe + (slash < 0 ? "" : s.substring(slash));
    }
    return s;
  }

  /** The JDBC URL without user or password (those go in the connection properties). */
  String jdbcUrl() {
    String hostList = hosts.stream().map(Host::toString).collect(Collectors.joining(","));
    return "jdbc:postgresql://" + hostList + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The same server with another database, for tests and tools that create databases. */
  PostgresUrl withDatabase(String otherDatabase) {
    return new PostgresUrl(user, password, hosts, otherDatabase, params);
  }

  /** This URL in the store's own form, password included (for handing to a Store). */
  String storeUrl() {
    String userInfo = URLEncoder.encode(user, StandardCharsets.UTF_8)
        + (password != null ? ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) : "");
    String query = params.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return "postgresql://" + userInfo + "@" + hosts.stream().map(Host::toString).collect(Collectors.joining(","))
        + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8) + (query.isEmpty() ? "" : "?" + query);
  }

  @Override
  public String toString() {
    return "postgresql://" + user + (password != null ? ":***" : "") + "@"
        + hosts.stream().map(Host::toString).collect(Collectors.joining(",")) + "/" + database;
  }
}
