package dev.baton.cli;

import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
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

  BatonClient client() {
    return client(System.getenv());
  }

  /** The client that {@code environment} (BATON_API, BATON_TOKEN) and the options give. */
  BatonClient client(Map<String, String> environment) {
    List<String> urls = api != null ? api
        : Arrays.stream(environment.getOrDefault("BATON_API", DEFAULT_API).split(",")).map(String::strip)
            .filter(u -> !u.isEmpty()).toList();
    return new BatonClient(urls, token(environment));
  }

  private String token(Map<String, String> environment) {
    if (tokenFile == null) {
      String token = environment.get("BATON_TOKEN");
      if (token != null && !token.strip().isEmpty()) {
        return checked(token.strip(), "BATON_TOKEN");
      }
      return null;
    }
    String text;
    try {
      text = Files.readString(tokenFile).strip();
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--token-file " + tokenFile + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected a readable file holding the group's API token");
    }
    if (text.isEmpty()) {
      throw new InvalidInputException("--token-file " + tokenFile + " is empty; expected the group's API token"
          + " (the agents' api.token-file)");
    }
    return checked(text, "--token-file " + tokenFile);
  }

  private static String checked(String token, String source) {
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new InvalidInputException(source + " holds characters an HTTP header cannot carry (spaces, control"
          + " characters or non-ASCII); expected the group's API token");
    }
    return token;
  }
}
