package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Writes config files into a test's temporary directory and reads what loading them says. */
final class ConfigFiles {
  private final Path dir;

  ConfigFiles(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  Path write(String yaml) {
    return write("node.yaml", yaml);
  }

  Path write(String name, String yaml) {
    try {
      Path file = dir.resolve(name);
      Files.createDirectories(file.getParent());
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads {@code yaml} with host name "test-host"; the config must be valid. */
  AgentConfig load(String yaml) {
    return ConfigLoader.load(write(yaml), () -> "test-host");
  }

  /** Loads {@code yaml}, which must be rejected, and returns the exception. */
  ConfigException reject(String yaml) {
    return reject(write(yaml));
  }

  ConfigException reject(Path file) {
    return reject(file, () -> "test-host");
  }

  /** Loads {@code file} with the given host name source; the config must be rejected. */
  ConfigException reject(Path file, Callable<String> hostName) {
    ConfigException[] caught = new ConfigException[1];
    assertThatThrownBy(() -> ConfigLoader.load(file, hostName))
        .isInstanceOfSatisfying(ConfigException.class, e -> caught[0] = e);
    return caught[0];
  }

  /** {@code <file>: <keyPath>: }, how a problem line of the default file starts. */
  String at(String keyPath) {
    return dir.resolve("node.yaml") + ": " + keyPath + ": ";
  }
}
