package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configs of in-process agents sharing one SQLite file, loaded through the real config loader. */
final class TestNodes {
  private TestNodes() {}

  /** A node of group {@code it} with one service {@code svc} running {@code command} (a shell line). */
  static AgentConfig config(Path dir, String node, String command) {
    return config(dir, node, command, "");
  }

  /** As {@link #config(Path, String, String)}, with more keys of the service (YAML at 4 spaces). */
  static AgentConfig config(Path dir, String node, String command, String serviceYaml) {
    try {
      Path file = dir.resolve(node + ".yaml");
      Files.writeString(file, String.join("\n",
          "group: it",
          "node:",
          "  name: " + node,
          "api:",
          "  listen: 127.0.0.1:" + freePort(),
          "store: sqlite:" + dir.resolve("group.db"),
          "timing:",
          "  heartbeat: 200ms",
          "  lease: 1200ms",
          "state-dir: " + dir.resolve(node),
          "services:",
          "  svc:",
          "    command: [sh, -c, '" + command + "']",
          "    stop-timeout: 2s",
          serviceYaml.stripTrailing(),
          ""));
      return ConfigLoader.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
