package dev.baton.lab.faults;

import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PostgreSQL server hung: its postmaster, then every backend, SIGSTOPped for 2 x lease, then
 * SIGCONT. Connections stay open and calls hang: the agents' fence deadlines must fire while their
 * JDBC calls hang.
 */
final class PostgresHang extends Fault {
  PostgresHang() {
    super("store-hang", "postgresql", Aim.STORE, true, "PostgreSQL: postmaster and backends SIGSTOPped for 2 x lease, then SIGCONT");
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(() -> context.root() ? Optional.empty()
        : Optional.of("needs root (the server runs as the postgres user)"));
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    long postmaster = postmasterPid(context.postgres().orElseThrow());
    List<Long> pids = new ArrayList<>(List.of(postmaster));
    Injected outage = outage(context, "SIGSTOP of the PostgreSQL postmaster " + postmaster + " and its backends for 2 x lease", 2,
        () -> {
          Processes.signal("STOP", pids);
          // The postmaster, stopped first, forks no new backend: its children are now a fixed set.
          ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
          Processes.signal("STOP", pids);
        },
        () -> Processes.signal("CONT", pids));
    context.checker().note("SIGCONT of the PostgreSQL postmaster and backends " + pids);
    return outage;
  }

  private static long postmasterPid(LocalPostgres pg) {
    try {
      return Long.parseLong(Files.readAllLines(pg.directory().resolve("data").resolve("postmaster.pid")).get(0).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the postmaster's pid of " + pg + ": " + e.getMessage(), e);
    }
  }
}
