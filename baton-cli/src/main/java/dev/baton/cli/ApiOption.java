package dev.baton.cli;

import picocli.CommandLine.Option;

/** {@code --api URL}: which agent an operator command talks to. */
final class ApiOption {
  @Option(names = "--api", paramLabel = "URL",
      description = "the agent's API, e.g. http://127.0.0.1:7070 (default: $BATON_API, else http://127.0.0.1:7070)")
  String api;

  BatonClient client() {
    String url = api != null ? api : System.getenv().getOrDefault("BATON_API", "http://127.0.0.1:7070");
    return new BatonClient(url);
  }
}
