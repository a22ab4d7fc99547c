package dev.baton.agent.config;

public record ApiListen(String host, int port) {
  @Override
  public String toString() {
    return host + ":" + port;
  }
}
