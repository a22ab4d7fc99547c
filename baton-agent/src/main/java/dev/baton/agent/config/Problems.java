package dev.baton.agent.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects the problems of one config file while it is read; not thread-safe. */
final class Problems {
  private final Path file;
  private final List<ConfigProblem> found = new ArrayList<>();

  Problems(Path file) {
    this.file = file;
  }

  void add(String keyPath, String message) {
    found.add(new ConfigProblem(file, keyPath, message));
  }

  int count() {
    return found.size();
  }

  boolean isEmpty() {
    return found.isEmpty();
  }

  ConfigException exception() {
    return new ConfigException(found);
  }

  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }
}
