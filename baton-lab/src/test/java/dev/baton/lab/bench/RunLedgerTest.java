package dev.baton.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.ServiceName;
import org.junit.jupiter.api.Test;

/** The parent's record of runs reported by the child JVMs of {@code bench scale --jvms}. */
class RunLedgerTest {
  private static final ServiceName S = ServiceName.of("svc-00001");

  @Test
  void aStartReportedBeforeTheEndOfTheRunBeforeItIsNoOverlapWhenItCameAfterIt() {
    RunLedger ledger = new RunLedger();
    InProcessServices.Run first = new InProcessServices.Run("node-001", 1, 100);
    InProcessServices.Run second = new InProcessServices.Run("node-002", 2, 300);
    ledger.started(S, first);
    ledger.started(S, second); // from another child, before the first child's report of its end
    ledger.stopped(S, first, 200);

    assertThat(ledger.overlaps()).isZero();
    assertThat(ledger.runs().run(S)).isEqualTo(second);
    assertThat(ledger.runs().runningOn("node-002")).containsExactly(S);
    assertThat(ledger.runs().running()).isEqualTo(1);
  }

  @Test
  void aStartWhileAnotherRunWasAliveCountsWhateverTheOrderOfTheReports() {
    RunLedger ledger = new RunLedger();
    InProcessServices.Run first = new InProcessServices.Run("node-001", 1, 100);
    InProcessServices.Run second = new InProcessServices.Run("node-002", 2, 150);
    ledger.started(S, second);
    ledger.started(S, first);
    ledger.stopped(S, first, 200);

    assertThat(ledger.overlaps()).isEqualTo(1);
  }

  @Test
  void aRunWhoseEndWasNeverReportedIsAliveFromItsStartOn() {
    RunLedger ledger = new RunLedger();
    ledger.started(S, new InProcessServices.Run("node-001", 1, 100));
    ledger.started(S, new InProcessServices.Run("node-002", 2, 10_000));

    assertThat(ledger.overlaps()).isEqualTo(1);
  }
}
