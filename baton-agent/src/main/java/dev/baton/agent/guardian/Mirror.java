package dev.baton.agent.guardian;

import dev.baton.agent.supervisor.Supervisor;
import dev.baton.core.ServiceName;
import dev.baton.core.store.SessionId;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's state mirrored into {@code state-dir/agent-state.properties} on every change: its pid,
 * its session, and each running service with pid, epoch and the process's start time in clock ticks
 * since boot (which tells a reused pid from the original, whatever the wall clock did). Rewritten
 * atomically (a rename), so a reader sees one whole version. A hint, not the authority: a restarted
 * agent under a guardian takes the processes that run from the guardian, and the session from here
 * (or, when this file is gone, from the guardian's processes); {@code baton agent} reads it to find
 * the current agent. Thread-safe.
 */
public final class Mirror {
  private static final Logger LOG = LoggerFactory.getLogger(Mirror.class);

  /** A service process as mirrored; {@code startTicks} 0 when not known. */
  public record Service(ServiceName name, long pid, long epoch, long startTicks) {
    /** The live process this entry names: same pid and the same start time (unknown: none). */
    public Optional<ProcessHandle> process() {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
          .filter(h -> startTicks != 0 && GuardianFiles.startTicks(pid) == startTicks);
    }
  }

  /** One version of the mirror; {@code session} null when the agent held none. */
  public record State(long agentPid, boolean stopped, SessionId session, List<Service> services) {}

  private final Path file;

  public Mirror(Path stateDir) {
    this.file = stateDir.resolve(GuardianFiles.MIRROR);
  }

  /** The last state written, if any. A file that cannot be read or parsed counts as none (logged). */
  public Optional<State> read() {
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file)));
      String session = p.getProperty("session", "");
      List<Service> services = new ArrayList<>();
      for (String name : p.getProperty("services", "").split(",")) {
        if (!name.isEmpty()) {
          services.add(new Service(ServiceName.of(name), Long.parseLong(p.getProperty("service." + name + ".pid")),
              Long.parseLong(p.getProperty("service." + name + ".epoch")),
              Long.parseLong(p.getProperty("service." + name + ".start-ticks", "0"))));
        }
      }
      return Optional.of(new State(Long.parseLong(p.getProperty("agent.pid", "0")),
          "stopped".equals(p.getProperty("state")), session.isEmpty() ? null : new SessionId(session), services));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.warn("[state-dir={}] ignoring the unreadable mirror {}: {}", file.getParent(), file, e.toString());
      return Optional.empty();
    }
  }

  /** Writes the current state; a failure is logged (the mirror is a help, not the truth). */
  public synchronized void write(SessionId session, List<Supervisor.Running> running, boolean stopped) {
    Properties p = new Properties();
    p.setProperty("agent.pid", Long.toString(ProcessHandle.current().pid()));
    p.setProperty("state", stopped ? "stopped" : "running");
    p.setProperty("session", session == null ? "" : session.value());
    List<String> names = new ArrayList<>();
    for (Supervisor.Running r : running) {
      if (r.handle() == null) {
        continue; // runs inside this JVM: it cannot outlive the agent, nothing to re-adopt
      }
      String n = r.service().value();
      names.add(n);
      p.setProperty("service." + n + ".pid", Long.toString(r.pid()));
      p.setProperty("service." + n + ".epoch", Long.toString(r.epoch()));
      p.setProperty("service." + n + ".start-ticks", Long.toString(GuardianFiles.startTicks(r.pid())));
    }
    p.setProperty("services", String.join(",", names));
    try {
      StringWriter text = new StringWriter();
      p.store(text, "Baton agent state, mirrored on every change; read by a restarted agent");
      GuardianFiles.writeAtomically(file, text.toString());
    } catch (IOException e) {
      LOG.warn("[state-dir={}] cannot write the mirror {}: {}", file.getParent(), file, e.toString());
    } catch (UncheckedIOException e) {
      LOG.warn("[state-dir={}] cannot write the mirror {}: {}", file.getParent(), file, e.toString());
    }
  }
}
