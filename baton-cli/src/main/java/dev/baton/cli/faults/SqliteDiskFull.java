package dev.baton.cli.faults;

import java.util.Optional;

/**
 * The filesystem under the SQLite file full for 2 x lease (RELIABILITY.md, "SQLite trouble: disk
 * full"): the run's file lives on a small tmpfs of its own, which a filler file fills to the last
 * byte, then deleted. Reads still work; no renewal or claim can commit (SQLITE_FULL), so every
 * owner fences as when the file is locked, and the services come back with higher epochs once
 * there is room again.
 */
final class SqliteDiskFull extends Fault {
  SqliteDiskFull() {
    super("sqlite-disk-full", "sqlite", Aim.STORE, true,
        "SQLite: the tmpfs under the file filled up by another process for 2 x lease, then the filler deleted");
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    Optional<String> why = super.unavailable(context);
    if (why.isPresent()) {
      return why;
    }
    String reason = SmallDisk.unavailable(context.root());
    return reason != null ? Optional.of(reason) : Optional.empty();
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    SmallDisk disk = context.sqliteDisk().orElseThrow(() -> new IllegalStateException("the SQLite file is not on a small disk"));
    long[] filled = new long[1];
    long at = breakFor(context, "fill the tmpfs " + disk.path() + " under the SQLite file for 2 x lease", 2,
        () -> filled[0] = disk.fill(), disk::drain);
    return new Injected(at, context.checker().note("the filesystem of the SQLite file has room again (the filler took "
        + filled[0] / (1 << 20) + " MB)"));
  }
}
