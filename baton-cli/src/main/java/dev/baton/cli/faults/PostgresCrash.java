package dev.baton.cli.faults;

import dev.baton.store.postgresql.LocalPostgres;
import java.util.Optional;

/** The private PostgreSQL server stopped as by a crash ({@code pg_ctl stop -m immediate}), started again after 2 x lease. */
final class PostgresCrash implements Fault {
  @Override
  public String kind() {
    return "store-crash";
  }

  @Override
  public String how() {
    return "PostgreSQL: pg_ctl stop -m immediate, started again after 2 x lease";
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return context.unlessStore("postgresql");
  }

  @Override
  public Aim aim() {
    return Aim.STORE;
  }

  @Override
  public boolean storeDown() {
    return true;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws InterruptedException {
    LocalPostgres pg = context.postgres().orElseThrow();
    long at = context.checker().fault(kind(), "pg_ctl stop -m immediate of " + pg + " for 2 x lease");
    pg.stopImmediate();
    try {
      context.hold(2);
    } finally {
      pg.start();
    }
    return new Injected(at, context.checker().note("PostgreSQL accepts connections again"));
  }
}
