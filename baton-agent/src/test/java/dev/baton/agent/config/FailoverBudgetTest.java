package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailoverBudgetTest {
  @TempDir Path dir;
  ConfigFiles files;

  @BeforeEach
  void setUp() {
    files = new ConfigFiles(dir);
  }

  @Test
  void defaultTimingGivesAFourSecondFailoverAndSigkillHalfASecondBeforeTheLeaseEnds() {
    AgentConfig config = files.load("""
        group: billing
        node: {name: node-a}
        services:
          folder-monitor:
            command: [/opt/app/bin/folder-monitor]
        """);

    assertThat(FailoverBudget.describe(config)).isEqualTo("""
        config %s is valid: group billing, node node-a, 1 service (folder-monitor)
        store sqlite:/var/lib/baton/billing.db; every store call times out after 500ms, \
        min(heartbeat, (lease - fence-margin - heartbeat)/2)
        failover budget after the owner crashes (worst case):
          detection  3.5s    the lease (3s) plus one heartbeat (500ms) before a peer has seen the last renewal \
        unchanged for a full lease
          reaction   500ms   placement and the claim: one store call, at most the store call timeout
          stop       0s      the crashed owner's services die with it
          start      ...     your command's own start-up time
          total      4s      + start-up
          a claimant waits for the longer of its own lease and the owner's (each node's lease is recorded with \
        its session; `baton status` shows them): where the nodes' leases differ, detection takes the longer
        fencing timeline of an owner cut off from the store (from its last successful renewal sent):
          +2s     SIGTERM to its services                       (lease - fence-margin)
          +2.5s   SIGKILL                                       (lease - fence-margin/2)
          +3s     lease ends at the store; peers may take over  (500ms after SIGKILL)
          store outages shorter than 1.5s (lease - fence-margin - heartbeat) stop nothing""".formatted(
        dir.resolve("node.yaml")));
  }

  @Test
  void customTimingChangesEveryNumber() {
    AgentConfig config = files.load("""
        group: payments
        node: {name: node-b}
        timing: {heartbeat: 1s, lease: 4s, fence-margin: 2s}
        services:
          mailer: {command: [/bin/mailer]}
          archiver: {command: [/bin/archiver]}
        """);

    String budget = FailoverBudget.describe(config);

    assertThat(budget.lines()).contains(
        "config " + dir.resolve("node.yaml") + " is valid: group payments, node node-b, 2 services (archiver, mailer)",
        "  detection  5s      the lease (4s) plus one heartbeat (1s) before a peer has seen the last renewal"
            + " unchanged for a full lease",
        "  reaction   500ms   placement and the claim: one store call, at most the store call timeout",
        "  total      5.5s    + start-up",
        "  +2s     SIGTERM to its services                       (lease - fence-margin)",
        "  +3s     SIGKILL                                       (lease - fence-margin/2)",
        "  +4s     lease ends at the store; peers may take over  (1s after SIGKILL)",
        "  store outages shorter than 1s (lease - fence-margin - heartbeat) stop nothing");
    assertThat(budget).contains("every store call times out after 500ms");
  }

  @Test
  void nodeWithoutServicesSaysSo() {
    AgentConfig config = files.load("group: billing\nnode: {name: voter}\n");

    assertThat(FailoverBudget.describe(config).lines().findFirst()).hasValue(
        "config " + dir.resolve("node.yaml") + " is valid: group billing, node voter, no services"
            + " (it takes part in the group only)");
  }
}
