package dev.baton.lab.faults;

import dev.baton.store.postgresql.LocalPostgres;

/** The private PostgreSQL server stopped as by a crash ({@code pg_ctl stop -m immediate}), started again after 2 x lease. */
final class PostgresCrash extends Fault {
  PostgresCrash() {
    super("store-crash", "postgresql", Aim.STORE, true, "PostgreSQL: pg_ctl stop -m immediate, started again after 2 x lease");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    LocalPostgres pg = context.postgres().orElseThrow();
    Injected outage = outage(context, "pg_ctl stop -m immediate of " + pg + " for 2 x lease", 2, pg::stopImmediate, pg::start);
    context.checker().note("PostgreSQL accepts connections again");
    return outage;
  }
}
