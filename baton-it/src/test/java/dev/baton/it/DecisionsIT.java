package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery decisions outlive the agents that made them, with real agent processes on one SQLite
 * file: a banned node stays banned across a restart of its whole node,
 * an operator clears the ban of a node that is down, and a service removed from a node's config
 * across an agent restart (the guardian keeps the session) goes to another provider.
 */
class DecisionsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;
  Group group;

  @AfterEach
  void stopAllAndCheckTheHistory() {
    if (group != null) {
      FailoverContract.closeAndCheckTheHistory(group);
    }
  }

  private static Optional<ServiceStatus> service(Group.Node via) {
    return via.status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(Group.SERVICE)).findFirst());
  }

  private static Optional<ProviderEntry> provider(Group.Node via, String node) {
    return service(via).flatMap(s -> s.providers().stream().filter(p -> p.node().equals(node)).findFirst());
  }

  private static boolean ownedBy(Group.Node via, String node, long epoch) {
    return service(via).map(s -> node.equals(s.owner()) && s.epoch() == epoch).orElse(false);
  }

  @Test
  void aBannedNodeStaysBannedAcrossARestartAndAnOperatorClearsItsBanWhileItIsDown() throws Exception {
    group = Group.sqlite(dir); // heartbeat 500ms, lease 3s
    Group.Node a = group.nodes.computeIfAbsent("node-a", n -> group.new Node(n, group.freePort()));
    a.serviceYaml = "    recovery: {restarts: 0, ban: 10m}";
    group.start("node-a");
    await("node-a provides").atMost(WAIT).until(() -> ownedBy(a, "node-a", 1));
    Group.Node b = group.start("node-b");
    await("node-b is a candidate").atMost(WAIT).until(() -> provider(a, "node-b").isPresent());

    group.makeServiceExit();
    await("node-a banned, node-b provides").atMost(WAIT).until(() -> ownedBy(b, "node-b", 2)
        && provider(b, "node-a").map(p -> p.bannedUntil() != null).orElse(false));

    // The whole of node-a restarts: its agent has only the store to remember the ban by.
    a.killNode();
    group.start("node-a");
    await("the restarted node-a shows its ban").atMost(WAIT).until(() ->
        provider(a, "node-a").map(p -> p.state().equals("unavailable") && p.bannedUntil() != null).orElse(false));
    // With node-b gone, node-a is the only candidate left; banned, it must not take the service.
    b.killNode();
    await("nobody takes the service while node-a is banned").during(group.lease.multipliedBy(2)).atMost(WAIT)
        .until(() -> group.epochLog().firstAbove(2) == null);
    await("the service failed on the whiteboard").atMost(WAIT)
        .until(() -> service(a).map(s -> s.state().equals("failed")).orElse(false));

    // node-b comes back and takes the service; node-a goes down, still banned, and is cleared while down.
    group.start("node-b");
    await("node-b provides again").atMost(WAIT).until(() -> ownedBy(b, "node-b", 3));
    a.killNode();
    await("node-a lost").atMost(WAIT).until(() -> b.status().map(s -> s.nodes().stream()
        .anyMatch(n -> n.name().equals("node-a") && !n.state().equals("alive"))).orElse(false));
    HttpResponse<String> cleared = HTTP.send(HttpRequest.newBuilder(URI.create(b.api()
        + "/v1/services/svc/clear?node=node-a")).POST(HttpRequest.BodyPublishers.noBody())
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(cleared.statusCode()).as(cleared.body()).isEqualTo(200);
    assertThat(cleared.body()).contains("node-a");
    await("the ban is gone from the whiteboard").atMost(WAIT)
        .until(() -> provider(b, "node-a").map(p -> p.bannedUntil() == null).orElse(false));

    group.start("node-a");
    await("node-a comes back unbanned").atMost(WAIT)
        .until(() -> provider(a, "node-a").map(p -> p.state().equals("waiting") && p.bannedUntil() == null).orElse(false));
    b.killNode();
    await("node-a takes the service when node-b dies").atMost(WAIT).until(() -> ownedBy(a, "node-a", 4));
  }

  @Test
  void aServiceRemovedFromTheOwnersConfigAcrossAnAgentRestartIsOwnedElsewhereWithinALease() throws Exception {
    // A lease long enough for the guardian to restart the agent in it on a loaded machine, so that the
    // restarted agent carries its session on (and with it the ownership).
    group = Group.onStore(dir, "sqlite:" + dir.resolve("group.db"), Duration.ofSeconds(1), Duration.ofSeconds(10));
    Group.Node a = group.start("node-a");
    await("node-a provides").atMost(WAIT).until(() -> ownedBy(a, "node-a", 1));
    Group.Node b = group.start("node-b");
    await("node-b is a candidate").atMost(WAIT).until(() -> provider(a, "node-b").isPresent());

    a.providesService = false;
    a.writeConfig();
    long oldAgent = a.agentPid();
    Group.signal(oldAgent, "KILL");
    await("the guardian restarted node-a's agent").atMost(WAIT).until(() ->
        a.agentPid() > 0 && a.agentPid() != oldAgent && a.status().isPresent());
    long restarted = System.nanoTime();
    assertThat(group.events()).anyMatch(e -> e.type().equals("guardian.restarted-agent")
        && e.detail().contains("re-adopted session"));

    await("node-b owns the service").atMost(group.lease.plusSeconds(2))
        .until(() -> ownedBy(b, "node-b", 2));
    assertThat(Duration.ofNanos(System.nanoTime() - restarted)).isLessThanOrEqualTo(group.lease.plusSeconds(2));
    assertThat(group.events()).anyMatch(e -> e.type().equals("service.released") && "node-a".equals(String.valueOf(e.node()))
        && "no longer provided by this node".equals(e.detail()));
  }
}
