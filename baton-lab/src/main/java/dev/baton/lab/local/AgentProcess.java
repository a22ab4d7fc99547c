package dev.baton.lab.local;

import dev.baton.cli.Main;
import dev.baton.core.BatonException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code baton agent -c CONFIG} as a child JVM on this JVM's classpath, in a session of its
 * own (a Ctrl-C reaches only its parent, which stops it in order) and killed by the kernel if its
 * parent dies. Call from a thread that lives as long as the child should (the parent-death signal
 * follows the forking thread).
 */
final class AgentProcess {
  private AgentProcess() {}

  static Process start(Path config, Path log) {
    return start(config, log, List.of());
  }

  /**
   * @param prefix prepended to the command line, e.g. a shell that moves itself into a cgroup and
   *     then execs the rest: it must exec, so the returned process is the launcher itself
   */
  static Process start(Path config, Path log, List<String> prefix) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", java,
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "agent", "-c", config.toString()));
    try {
      return new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new BatonException("cannot start an agent for " + config + ": " + e.getMessage(), e);
    }
  }
}
