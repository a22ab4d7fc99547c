package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import java.util.regex.Pattern;

/**
 * Where the agent's HTTP API listens. Port 0 means any free port (the agent reports the one it
 * got). An IPv6 host is held without brackets and printed with them.
 */
public record ApiListen(String host, int port) {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");
  static final String EXPECTED = "expected host:port with a port from 0 to 65535 (0 = any free port),"
      + " e.g. 127.0.0.1:7070, 0.0.0.0:7070 or [::1]:7070";

  public ApiListen {
    if (host == null || !(HOST.matcher(host).matches() || IPV6.matcher(host).matches())) {
      throw new InvalidInputException("invalid API host \"" + host
          + "\"; expected a host name, an IPv4 address or an IPv6 address");
    }
    if (port < 0 || port > 65_535) {
      throw new InvalidInputException("invalid API port " + port + "; expected 0 to 65535 (0 = any free port)");
    }
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}; throws {@link InvalidInputException} that
   * echoes the text and says what is expected.
   */
  static ApiListen parse(String text) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf("]:");
      if (close < 0) {
        throw new InvalidInputException("\"" + text + "\" is not host:port; " + EXPECTED);
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
      if (!IPV6.matcher(host).matches()) {
        throw new InvalidInputException("\"" + host + "\" in \"" + text + "\" is not an IPv6 address; " + EXPECTED);
      }
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new InvalidInputException("\"" + text + "\" is not host:port; " + EXPECTED);
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.contains(":")) {
        throw new InvalidInputException("\"" + text + "\": put an IPv6 address in brackets, e.g. [::1]:7070");
      }
      if (!HOST.matcher(host).matches()) {
        throw new InvalidInputException("\"" + text + "\" has no valid host before the port; " + EXPECTED);
      }
    }
    if (!port.matches("[0-9]+")) {
      throw new InvalidInputException("port \"" + port + "\" in \"" + text + "\" is not a number; " + EXPECTED);
    }
    if (port.length() > 5 || Integer.parseInt(port) > 65_535) {
      throw new InvalidInputException("port " + port + " in \"" + text
          + "\" is out of range; expected 0 to 65535 (0 = any free port)");
    }
    return new ApiListen(host, Integer.parseInt(port));
  }

  /** {@code host:port}, with an IPv6 host in brackets. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
