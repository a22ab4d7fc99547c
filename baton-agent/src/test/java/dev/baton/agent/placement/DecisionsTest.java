package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Decision;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery decisions kept in the store: an agent resumes from those of its earlier run, drops those
 * that ended while it was away, and an operator clears any node's through the store. In-process
 * agents, real processes, a real SQLite file.
 */
class DecisionsTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final ServiceName SVC = ServiceName.of("svc");
  static final NodeName A = NodeName.of("node-a");
  static final NodeName B = NodeName.of("node-b");

  @TempDir Path dir;
  final List<Agent> agents = new ArrayList<>();
  Store store;

  @BeforeEach
  void openStore() {
    store = TestNodes.store(dir);
  }

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::stop);
    store.close();
  }

  Agent start(String node, String command, String serviceYaml) {
    Agent a = TestNodes.agent(TestNodes.config(dir, node, command, serviceYaml));
    a.start();
    agents.add(a);
    return a;
  }

  /** A wait with a deadline; an agent that has not read the store yet answers status with an exception. */
  static org.awaitility.core.ConditionFactory soon() {
    return await().atMost(WAIT).ignoreExceptions();
  }

  static ServiceStatus svc(Agent a) {
    return a.status().services().get(0);
  }

  static ProviderEntry provider(Agent a, NodeName node) {
    return svc(a).providers().stream().filter(p -> p.node().equals(node.value())).findFirst().orElse(null);
  }

  Decision decision(NodeName node) {
    return store.snapshot().decision(node, SVC);
  }

  @Test
  void aBanDecidedByAnEarlierRunStaysInForceForItsRemainingTimeAndTheServiceStaysWithTheOtherNode() {
    Instant until = Instant.now().plus(Duration.ofMinutes(10));
    store.putDecision(A, SVC, Decision.ban(until, "banned for 10m after 3 restart(s) within 10m: exited with code 1"));
    store.putServiceSettings(SVC, new ServiceSettings(List.of(A, B), false));
    Agent b = start("node-b", "sleep 600", "");
    soon().until(() -> "node-b".equals(svc(b).owner()));

    Agent a = start("node-a", "sleep 600", "");
    soon().until(() -> provider(a, A) != null && "unavailable".equals(provider(a, A).state()));
    ProviderEntry banned = provider(a, A);
    assertThat(banned.reason()).startsWith("banned for 10m after 3 restart(s)");
    assertThat(banned.bannedUntil()).isEqualTo(until.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
    soon().until(() -> provider(b, A) != null && provider(b, A).bannedUntil() != null);
    // Ranked first and running, node-a would take the service back if it had forgotten its ban.
    soon().during(Duration.ofSeconds(3)).until(() -> "node-b".equals(svc(a).owner())
        && svc(a).epoch() == 1);
    assertThat(decision(A).bannedUntil()).isEqualTo(until.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
  }

  @Test
  void aBanThatEndedWhileTheAgentWasAwayIsClearedAndTheNodeProvidesAgain() {
    store.putDecision(A, SVC, Decision.ban(Instant.now().minusSeconds(1), "banned for 10m: exited with code 1")
        .withFailed("no eligible candidate left"));
    Agent a = start("node-a", "sleep 600", "");

    soon().until(() -> "node-a".equals(svc(a).owner()));
    soon().until(() -> decision(A) == null);
    assertThat(provider(a, A).bannedUntil()).isNull();
    assertThat(provider(a, A).failed()).isFalse();
  }

  @Test
  void restartsUsedInTheWindowStillCountAfterARestartSoTheNextFailureBans() {
    // One restart of a budget of one was used 10s ago, within the 10m window: the next failure bans.
    store.putDecision(A, SVC, new Decision(null, null, 1, Instant.now().minusSeconds(10), null));
    Agent a = start("node-a", "sleep 0.5; exit 3", "    recovery: {restarts: 1, window: 10m, backoff: 100ms, ban: 10m}");

    soon().until(() -> decision(A) != null && decision(A).bannedUntil() != null);
    assertThat(decision(A).banReason()).startsWith("banned for 10m after 1 restart(s)");
    assertThat(store.events(0, 1000)).noneMatch(e -> e.type().equals("service.restarted"));
    assertThat(a.status().services().get(0).providers()).singleElement()
        .satisfies(p -> assertThat(p.bannedUntil()).isNotNull());
  }

  @Test
  void aRestartInPlaceIsKeptInTheStore() {
    Agent a = start("node-a", "sleep 0.5; exit 3", "    recovery: {restarts: 5, window: 10m, backoff: 100ms, ban: 10m}");

    soon().until(() -> decision(A) != null && decision(A).restarts() >= 1);
    assertThat(decision(A).restartsSince()).isBetween(Instant.now().minusSeconds(30), Instant.now());
    assertThat(decision(A).bannedUntil()).isNull();
  }

  @Test
  void anOperatorClearsTheBanOfANodeThatIsDownThroughTheStoreAndTheNodeComesBackUnbanned() {
    store.putDecision(A, SVC, Decision.ban(Instant.now().plus(Duration.ofMinutes(10)), "banned for 10m: exited")
        .withFailed("no eligible candidate left"));
    Agent b = start("node-b", "sleep 600", "");
    soon().until(() -> "node-b".equals(svc(b).owner()));

    assertThat(b.clear("svc", "node-a")).containsExactly("node-a");

    assertThat(decision(A)).isNull();
    // Events are written by the node's event log, after the call returns.
    soon().untilAsserted(() -> assertThat(store.events(0, 1000)).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("service.cleared");
      assertThat(e.detail()).contains("node-a");
    }));
    Agent a = start("node-a", "sleep 600", "");
    soon().until(() -> provider(a, A) != null && "waiting".equals(provider(a, A).state()));
  }

  @Test
  void aRunningAgentForgetsItsBanWhenAnotherNodeClearsItThroughTheStore() {
    Agent a = start("node-a", "sleep 1; exit 3", "    recovery: {restarts: 0, ban: 10m}");
    soon().until(() -> "node-a".equals(svc(a).owner()));
    Agent b = start("node-b", "sleep 600", "");
    soon().until(() -> "node-b".equals(svc(b).owner()));
    soon().until(() -> decision(A) != null && decision(A).bannedAt(Instant.now()));
    assertThat(provider(a, A).state()).isEqualTo("unavailable");

    assertThat(b.clear("svc", "node-a")).containsExactly("node-a");

    soon().until(() -> "waiting".equals(provider(a, A).state()));
    assertThat(decision(A)).isNull();
  }
}
