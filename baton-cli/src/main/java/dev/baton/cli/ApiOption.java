package dev.baton.cli;

import dev.baton.client.AgentAccess;
import dev.baton.core.InvalidInputException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --api URL[,URL...]} and {@code --token-file FILE}: which agents an operator command talks
 * to (the first that answers), and the group's API token it sends.
 */
final class ApiOption {
  static final String DEFAULT_API = "http://127.0.0.1:7070";

  @Option(names = "--api", paramLabel = "URL[,URL...]", split = ",",
      description = "the agent's API, e.g. http://127.0.0.1:7070; several (comma separated, or --api given again):"
          + " the next is tried when one cannot be reached (default: $BATON_API, a comma separated list too,"
          + " else " + DEFAULT_API + ")")
  List<String> api;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "a file holding the group's API token (api.token-file of the agents), sent as"
          + " Authorization: Bearer (default: the token in $BATON_TOKEN, else none)")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "FILE",
      description = "PEM certificates (the agents' CA, or their certificate) to verify an https:// agent with,"
          + " instead of the JDK's certificate authorities (default: $BATON_CACERT)")
  Path cacert;

  BatonClient client() {
    return client(System.getenv());
  }

  /** The client that {@code environment} (BATON_API, BATON_TOKEN) and the options give. */
  BatonClient client(Map<String, String> environment) {
    List<String> urls = api != null ? api
        : Arrays.stream(environment.getOrDefault("BATON_API", DEFAULT_API).split(",")).map(String::strip)
            .filter(u -> !u.isEmpty()).toList();
    Path ca = cacert != null ? cacert : environment.containsKey("BATON_CACERT") ? Path.of(environment.get("BATON_CACERT")) : null;
    return new BatonClient(urls, token(environment), ca == null ? null : trusting(ca));
  }

  /** An SSL context that trusts the certificates in {@code file} (PEM) and no others. */
  private static javax.net.ssl.SSLContext trusting(Path file) {
    try {
      return AgentAccess.trusting(file);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--cacert " + e.getMessage());
    }
  }

  private String token(Map<String, String> environment) {
    try {
      if (tokenFile != null) {
        return AgentAccess.tokenFrom(tokenFile);
      }
      String token = environment.get("BATON_TOKEN");
      return token == null || token.strip().isEmpty() ? null : AgentAccess.checkedToken(token.strip(), "BATON_TOKEN");
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException((tokenFile != null ? "--token-file " : "") + e.getMessage());
    }
  }
}
