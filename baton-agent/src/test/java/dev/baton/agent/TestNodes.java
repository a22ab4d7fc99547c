package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configs of in-process agents sharing one SQLite file, loaded through the real config loader. */
public final class TestNodes {
  private TestNodes() {}

  /** A node of group {@code it} with one service {@code svc} running {@code command} (a shell line). */
  public static AgentConfig config(Path dir, String node, String command) {
    return config(dir, node, command, "", "");
  }

  /** As {@link #config(Path, String, String)}, with more keys of the service (YAML at 4 spaces). */
  public static AgentConfig config(Path dir, String node, String command, String serviceYaml) {
    return config(dir, node, command, serviceYaml, "");
  }

  /**
   * As {@link #config(Path, String, String)}, with more YAML: {@code serviceYaml} under
   * {@code services.svc} (indented by four spaces), {@code topYaml} at the top level.
   */
  public static AgentConfig config(Path dir, String node, String command, String serviceYaml, String topYaml) {
    return config(dir, node, command, serviceYaml, topYaml, "api:\n  listen: 127.0.0.1:0");
  }

  /**
   * As {@link #config(Path, String, String, String, String)}, with {@code apiYaml} as the whole
   * {@code api} section (instead of {@code listen: 127.0.0.1:0}).
   */
  public static AgentConfig config(Path dir, String node, String command, String serviceYaml, String topYaml,
      String apiYaml) {
    try {
      Path file = dir.resolve(node + ".yaml");
      Files.writeString(file, String.join("\n",
          "group: it",
          "node:",
          "  name: " + node,
          apiYaml, // by default port 0: the kernel picks; a port picked free here may be taken by the time it binds
          "store: sqlite:" + dir.resolve("group.db"),
          "timing:",
          "  heartbeat: 200ms",
          "  lease: 1200ms",
          "state-dir: " + dir.resolve(node),
          "services:",
          "  svc:",
          "    command: [sh, -c, '" + command + "']",
          "    stop-timeout: 2s",
          serviceYaml,
          topYaml,
          ""));
      return ConfigLoader.load(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A node as {@code baton agent} runs it (store, processes, the HTTP API), not started yet. */
  public static Agent agent(AgentConfig config) {
    return new Agent(config, Agent.Embedding.withApi(HttpApi::start));
  }

  /** Another handle on the test group's SQLite store, as one more process would open it. */
  public static dev.baton.core.store.Store store(Path dir) {
    java.time.Duration second = java.time.Duration.ofSeconds(1);
    return dev.baton.core.store.Stores.open(new dev.baton.core.store.StoreOptions("sqlite:" + dir.resolve("group.db"),
        dev.baton.core.GroupName.of("it"), java.time.Duration.ofMillis(200), java.time.Duration.ofMillis(1200),
        second, null));
  }

  /**
   * A self-signed certificate for {@code localhost} and 127.0.0.1, made with openssl: {@code cert.pem}
   * and {@code key.pem} (PKCS#8) in {@code dir}; returns {@code dir}.
   */
  public static Path selfSigned(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("openssl could not make a certificate: " + output);
    }
    return dir;
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
