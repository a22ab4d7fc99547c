package dev.baton.agent.config;

import java.nio.file.Path;

public final class ConfigLoader {
  public static AgentConfig load(Path file) {
    throw new UnsupportedOperationException("placeholder until the config package lands");
  }
}
