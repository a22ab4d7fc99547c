package dev.baton.lab.faults;


/**
 * The filesystem under the SQLite file full for 2 x lease (docs/reliability.md, "SQLite trouble: disk
 * full"): the run's file lives on a small tmpfs of its own, which a filler file fills to the last
 * byte, then deleted. Not a store outage: SQLite keeps committing as long as its write-ahead log
 * has room (after a checkpoint it reuses the log from its start); a write that needs a file to
 * grow fails (SQLITE_FULL, "the disk is full"), and an owner whose renewals fail fences itself.
 * So services may or may not move; every safety check holds either way.
 */
final class SqliteDiskFull extends Fault {
  SqliteDiskFull() {
    super("sqlite-disk-full", "sqlite", Aim.STORE, false,
        "SQLite: the tmpfs under the file filled up by another process for 2 x lease, then the filler deleted", Setup.SMALL_DISK);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    SmallDisk disk = context.sqliteDisk().orElseThrow(() -> new IllegalStateException("the SQLite file is not on a small disk"));
    long[] filled = new long[1];
    long at = breakFor(context, "fill the tmpfs " + disk.path() + " under the SQLite file for 2 x lease", 2,
        () -> filled[0] = disk.fill(), disk::drain);
    context.checker().note("the filesystem of the SQLite file has room again (the filler took " + filled[0] / (1 << 20) + " MB)");
    return Injected.at(at);
  }
}
