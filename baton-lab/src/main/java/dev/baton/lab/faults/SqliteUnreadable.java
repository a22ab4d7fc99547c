package dev.baton.lab.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The SQLite file unreadable for 2 x lease (docs/reliability.md, "SQLite trouble: file unreadable"):
 * mode 000 on the file and its -wal and -shm files, and the target node's agent SIGKILLed at the
 * same moment, so that its guardian starts a new agent that must open the file. Running agents hold
 * their connection open and go on (an open file descriptor keeps its access), so an unreadable file
 * hurts only an agent that opens it: the new one fails with a clear error, its guardian restarts it
 * with backoff, and the services it owned are killed at its fence point and taken over elsewhere.
 * After the modes are restored, the next start joins again. The agents run without
 * CAP_DAC_OVERRIDE (as root), or file modes would not stop them.
 */
final class SqliteUnreadable extends Fault {
  static final String CLEAR_ERROR = "cannot be opened for reading and writing";

  SqliteUnreadable() {
    super("sqlite-unreadable", "sqlite", Aim.NODE, false,
        "SQLite: mode 000 on the file (and its -wal and -shm) for 2 x lease, the node's agent SIGKILLed at once", Setup.FILE_PERMISSIONS);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    Path file = context.sqliteFile().orElseThrow();
    Map<Path, Set<PosixFilePermission>> modes = new LinkedHashMap<>();
    for (Path p : List.of(file, file.resolveSibling(file.getFileName() + "-wal"), file.resolveSibling(file.getFileName() + "-shm"))) {
      if (Files.exists(p)) {
        modes.put(p, Files.getPosixFilePermissions(p));
      }
    }
    long agent = target.node().agentPid();
    long errorsBefore = errors(target.node().log());
    long at = breakFor(context, target.who() + " SQLite file unreadable for 2 x lease; its agent " + agent + " SIGKILLed", 2,
        () -> {
          for (Path p : modes.keySet()) {
            Files.setPosixFilePermissions(p, Set.of());
          }
          if (agent > 0) {
            Processes.signal("KILL", List.of(agent));
          }
        },
        () -> {
          for (Map.Entry<Path, Set<PosixFilePermission>> e : modes.entrySet()) {
            Files.setPosixFilePermissions(e.getKey(), e.getValue());
          }
        });
    context.checker().note(target.node().name() + "'s new agents failed to open the file " + (errors(target.node().log()) - errorsBefore)
        + " time(s) with \"" + CLEAR_ERROR + "\"; modes restored to "
        + modes.values().stream().map(PosixFilePermissions::toString).distinct().toList());
    return Injected.at(at);
  }

  private static long errors(Path log) throws java.io.IOException {
    try (var lines = Files.lines(log)) {
      return lines.filter(l -> l.contains(CLEAR_ERROR)).count();
    }
  }
}
