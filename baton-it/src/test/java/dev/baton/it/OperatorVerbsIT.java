package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator verbs on three real nodes sharing one SQLite file (heartbeat 500ms, lease 3s),
 * including a move while its target or its owner is paused (SIGSTOP of the agent). After every
 * test the epoch log must show no two processes of the service at once, and no process may be
 * left behind.
 */
class OperatorVerbsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;
  Group group;

  @BeforeEach
  void startThreeNodes() throws Exception {
    group = Group.sqlite(dir);
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n);
    }
    awaitSettled();
  }

  @AfterEach
  void stopAllAndCheckTheHistory() {
    FailoverContract.closeAndCheckTheHistory(group);
  }

  /** Three nodes alive, one process provides the service, no move under way. */
  private void awaitSettled() {
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && Processes.running(last.pid())
          && group.service().map(s -> last.node().equals(s.owner()) && s.epoch() == last.epoch() && s.moving() == null)
              .orElse(false)
          && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3;
    });
  }

  private HttpResponse<String> post(Group.Node via, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(via.api() + path)).header("Content-Type", "application/json")
        .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private Group.Node other(String... not) {
    return group.nodes.values().stream().filter(n -> !java.util.List.of(not).contains(n.name)).findFirst().orElseThrow();
  }

  /**
   * Pauses {@code paused}'s agent (SIGSTOP), asks {@code via} to move the service to {@code to},
   * waits for an epoch above {@code before}'s while the agent is still paused, then continues it.
   * Returns the first process of that higher epoch.
   */
  private EpochLog.Life moveWhilePaused(Group.Node paused, Group.Node via, Group.Node to, EpochLog.Life before)
      throws Exception {
    long agent = paused.agentPid();
    Group.signal(agent, "STOP");
    try {
      HttpResponse<String> r = post(via, "/v1/services/svc/move", "{\"to\": \"" + to.name + "\"}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      await("a higher epoch running while " + paused.name + " is paused").atMost(group.lease.plusSeconds(10))
          .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    } finally {
      Group.signal(agent, "CONT");
    }
    return group.epochLog().firstAbove(before.epoch());
  }

  @Test
  void aMoveHandsTheServiceToItsTargetWithTheNextEpochAndNeverTwoAtOnce() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node target = other(before.node());

    HttpResponse<String> r = post(other(before.node(), target.name), "/v1/services/svc/move",
        "{\"to\": \"" + target.name + "\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    await("a higher epoch running").atMost(Duration.ofSeconds(10)).until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());
    assertThat(after.node()).isEqualTo(target.name);
    assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
    assertThat(after.firstNanos()).as("the old process ended before the new one started").isGreaterThan(
        group.epochLog().lives().stream().filter(l -> l.pid() == before.pid()).findFirst().orElseThrow().lastNanos());
    awaitSettled();
    assertThat(group.events()).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("operator.move");
      assertThat(e.detail()).contains("move to " + target.name);
    });
  }

  @Test
  void drainingTheOwnerMovesItsServiceAwayAndUndrainLeavesItWhereItIs() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());

    assertThat(post(owner, "/v1/nodes/" + owner.name + "/drain", null).statusCode()).isEqualTo(200);

    await("a higher epoch running elsewhere").atMost(Duration.ofSeconds(10))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());
    assertThat(after.node()).isNotEqualTo(owner.name);
    assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
    await("the whiteboard shows the node drained").atMost(Duration.ofSeconds(5)).until(() -> group.status()
        .map(s -> s.nodes().stream().anyMatch(n -> n.name().equals(owner.name) && n.state().equals("drained"))).orElse(false));

    assertThat(post(owner, "/v1/nodes/" + owner.name + "/undrain", null).statusCode()).isEqualTo(200);
    awaitSettled();
    assertThat(group.service().map(ServiceStatus::owner)).contains(after.node());
  }

  @Test
  void disableStopsTheServiceEverywhereAndEnableStartsItAgainWithAHigherEpoch() throws Exception {
    EpochLog.Life before = group.epochLog().last();

    assertThat(post(other(), "/v1/services/svc/disable", null).statusCode()).isEqualTo(200);

    await("the service stopped").atMost(Duration.ofSeconds(10)).until(() -> !Processes.running(before.pid()));
    await("the whiteboard shows it disabled, owned by nobody").atMost(Duration.ofSeconds(5)).until(() -> group.service()
        .map(s -> s.state().equals("disabled") && s.owner() == null).orElse(false));
    assertThat(group.epochLog().lives()).hasSize(1);

    assertThat(post(other(), "/v1/services/svc/enable", null).statusCode()).isEqualTo(200);
    await("a higher epoch running").atMost(Duration.ofSeconds(10)).until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    assertThat(group.epochLog().firstAbove(before.epoch()).epoch()).isEqualTo(before.epoch() + 1);
    awaitSettled();
  }

  @Test
  void aMoveToAPausedTargetIsAbandonedAndTheNextEpochGoesToALiveNode() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    Group.Node target = other(owner.name);
    // The owner hands over to a target that cannot claim; once the target's lease has passed,
    // placement ignores the move and another node claims the next epoch.
    EpochLog.Life after = moveWhilePaused(target, owner, target, before);
    assertThat(after.node()).isNotEqualTo(target.name);
    assertThat(after.epoch()).isEqualTo(before.epoch() + 1);

    awaitSettled();
    assertThat(group.service().orElseThrow().epoch()).as("the continued target took nothing").isEqualTo(after.epoch());
    assertThat(group.epochLog().lives()).noneMatch(l -> l.node().equals(target.name));
  }

  @Test
  void aMoveAwayFromAPausedOwnerCompletesByTakeoverOnlyAfterItsServiceIsGone() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    Group.Node target = other(owner.name);
    // The paused owner cannot hand over; its guardian kills the service at the fence deadline,
    // and the target claims over the dead session once the lease has passed.
    EpochLog.Life after = moveWhilePaused(owner, target, target, before);
    assertThat(after.node()).isEqualTo(target.name);
    assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
    EpochLog.Life old = group.epochLog().lives().stream().filter(l -> l.pid() == before.pid()).findFirst().orElseThrow();
    assertThat(old.lastNanos()).as("the paused owner's service ended before the new one started")
        .isLessThan(after.firstNanos());

    awaitSettled();
    assertThat(group.service().orElseThrow().owner()).isEqualTo(target.name);
    assertThat(group.epochLog().lives()).filteredOn(l -> l.node().equals(owner.name))
        .as("the continued owner ran nothing again").hasSize(1);
  }

  private static java.util.Optional<ServiceStatus> serviceSeenBy(Group.Node node) {
    return node.status().flatMap(st -> st.services().stream().filter(x -> x.name().equals("svc")).findFirst());
  }

  @Test
  void whileAPausedOwnerIsSilentTheWhiteboardCountsDownToTheTakeoverAndTheNextInLineTakesOver() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    Group.Node watcher = other(owner.name);
    await("a next in line").atMost(Duration.ofSeconds(10))
        .until(() -> serviceSeenBy(watcher).map(s -> s.next() != null).orElse(false));
    String next = serviceSeenBy(watcher).orElseThrow().next();
    assertThat(next).isNotEqualTo(owner.name);

    // The whiteboard counts down only for a node it has seen renewing: in a group just started, the
    // watcher may not have seen the owner's counter move yet.
    await("the watcher has seen the owner renew").atMost(Duration.ofSeconds(10))
        .until(() -> watcher.status().map(st -> st.nodes().stream()
            .anyMatch(n -> n.name().equals(owner.name) && n.renewalAgeMillis() != null)).orElse(false));
    long agent = owner.agentPid();
    Group.signal(agent, "STOP");
    try {
      await("the owner shown silent, with the time left until the takeover").atMost(group.lease.plusSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> serviceSeenBy(watcher).map(s -> s.takeoverIn() != null).orElse(false));
      ServiceStatus silent = serviceSeenBy(watcher).orElseThrow();
      assertThat(silent.owner()).isEqualTo(owner.name);
      assertThat(silent.next()).isEqualTo(next);
      assertThat(dev.baton.core.Durations.parse(silent.takeoverIn())).isLessThanOrEqualTo(group.lease);
      assertThat(silent.providers()).filteredOn(p -> p.node().equals(owner.name)).singleElement()
          .satisfies(p -> assertThat(p.reason()).contains("lease passes in").contains("then " + next + " takes over"));

      await("the next in line took over").atMost(group.lease.plusSeconds(10))
          .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
      assertThat(group.epochLog().firstAbove(before.epoch()).node()).isEqualTo(next);
      await("no countdown once the owner is lost").atMost(Duration.ofSeconds(10))
          .until(() -> serviceSeenBy(watcher).map(s -> s.takeoverIn() == null && next.equals(s.owner())).orElse(false));
    } finally {
      Group.signal(agent, "CONT");
    }
    awaitSettled();
  }
}
