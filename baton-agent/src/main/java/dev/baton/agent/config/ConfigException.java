package dev.baton.agent.config;

public final class ConfigException extends dev.baton.core.InvalidInputException {
  public ConfigException(String message) {
    super(message);
  }
}
