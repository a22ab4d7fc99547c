package dev.baton.core.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ServiceSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {
  static final ServiceName SVC = ServiceName.of("svc");

  static NodeView node(String name, String location) {
    return new NodeView(NodeName.of(name), Location.parse(location), true, false,
        Map.of(SVC, ProviderState.WAITING));
  }

  static ServiceView service(String owner, String previous, String... ranking) {
    return new ServiceView(SVC, owner == null ? null : NodeName.of(owner),
        previous == null ? null : NodeName.of(previous),
        new ServiceSettings(java.util.Arrays.stream(ranking).map(NodeName::of).toList(), false));
  }

  @Test
  void aValidOwnerKeepsItsServiceEvenWhenABetterRankedNodeIsAlive() {
    var result = Placement.place(List.of(node("a", ""), node("b", "")), List.of(service("b", "b", "a", "b")));
    assertThat(result).containsEntry(SVC, NodeName.of("b"));
  }

  @Test
  void explicitRankingDecidesAmongCandidatesWithoutAnOwner() {
    var result = Placement.place(List.of(node("a", ""), node("b", ""), node("c", "")),
        List.of(service(null, null, "c", "b")));
    assertThat(result).containsEntry(SVC, NodeName.of("c"));
  }

  @Test
  void nearnessToThePreviousOwnerComesAfterRanking() {
    var nodes = List.of(node("dead", "eu/paris/rack-1"), node("far", "us/nyc/rack-1"),
        node("near", "eu/paris/rack-2"), node("nearer", "eu/paris/rack-1"));
    var dead = new NodeView(NodeName.of("dead"), Location.parse("eu/paris/rack-1"), false, false,
        Map.of(SVC, ProviderState.PROVIDING));
    var all = List.of(dead, nodes.get(1), nodes.get(2), nodes.get(3));
    assertThat(Placement.place(all, List.of(service(null, "dead")))).containsEntry(SVC, NodeName.of("nearer"));
    assertThat(Placement.place(all, List.of(service(null, "dead", "far")))).containsEntry(SVC, NodeName.of("far"));
  }

  @Test
  void fewestServicesOwnedBreaksTiesAndSpreadsNewServices() {
    ServiceName s1 = ServiceName.of("s1");
    ServiceName s2 = ServiceName.of("s2");
    Map<ServiceName, ProviderState> both = Map.of(s1, ProviderState.WAITING, s2, ProviderState.WAITING);
    var nodes = List.of(new NodeView(NodeName.of("a"), Location.ROOT, true, false, both),
        new NodeView(NodeName.of("b"), Location.ROOT, true, false, both));
    var result = Placement.place(nodes, List.of(
        new ServiceView(s1, null, null, ServiceSettings.DEFAULT),
        new ServiceView(s2, null, null, ServiceSettings.DEFAULT)));
    assertThat(result).containsEntry(s1, NodeName.of("a")).containsEntry(s2, NodeName.of("b"));
  }

  @Test
  void deadDrainedAndUnavailableNodesAreNeverChosen() {
    var dead = new NodeView(NodeName.of("a"), Location.ROOT, false, false, Map.of(SVC, ProviderState.WAITING));
    var drained = new NodeView(NodeName.of("b"), Location.ROOT, true, true, Map.of(SVC, ProviderState.WAITING));
    var unavailable = new NodeView(NodeName.of("c"), Location.ROOT, true, false, Map.of(SVC, ProviderState.UNAVAILABLE));
    var noProvider = new NodeView(NodeName.of("d"), Location.ROOT, true, false, Map.of());
    assertThat(Placement.place(List.of(dead, drained, unavailable, noProvider), List.of(service(null, null, "a", "b", "c"))))
        .doesNotContainKey(SVC);
  }

  @Test
  void aDisabledServiceHasNoOwner() {
    var disabled = new ServiceView(SVC, NodeName.of("a"), NodeName.of("a"), new ServiceSettings(List.of(), true));
    assertThat(Placement.place(List.of(node("a", "")), List.of(disabled))).isEmpty();
  }

  @Test
  void anOwnerThatWasDrainedLosesItsServiceToTheNextCandidate() {
    var drained = new NodeView(NodeName.of("a"), Location.ROOT, true, true, Map.of(SVC, ProviderState.PROVIDING));
    assertThat(Placement.place(List.of(drained, node("b", "")), List.of(service("a", "a"))))
        .containsEntry(SVC, NodeName.of("b"));
  }

  static ServiceView moving(String owner, long epoch, String to, long movedAt) {
    return new ServiceView(SVC, owner == null ? null : NodeName.of(owner), owner == null ? null : NodeName.of(owner),
        ServiceSettings.DEFAULT.withMove(new ServiceSettings.Move(NodeName.of(to), movedAt)), epoch);
  }

  @Test
  void aPlannedMoveTakesTheServiceFromALiveOwnerToItsTarget() {
    assertThat(Placement.place(List.of(node("a", ""), node("b", "")), List.of(moving("a", 7, "b", 7))))
        .containsEntry(SVC, NodeName.of("b"));
  }

  @Test
  void aPlannedMoveEndsOnceTheEpochHasMovedOn() {
    assertThat(Placement.place(List.of(node("a", ""), node("b", "")), List.of(moving("a", 8, "b", 7))))
        .containsEntry(SVC, NodeName.of("a"));
  }

  @Test
  void aPlannedMoveToANodeThatCannotRunTheServiceIsIgnored() {
    var deadTarget = new NodeView(NodeName.of("b"), Location.ROOT, false, false, Map.of(SVC, ProviderState.WAITING));
    var drainedTarget = new NodeView(NodeName.of("b"), Location.ROOT, true, true, Map.of(SVC, ProviderState.WAITING));
    assertThat(Placement.place(List.of(node("a", ""), deadTarget), List.of(moving("a", 7, "b", 7))))
        .containsEntry(SVC, NodeName.of("a"));
    assertThat(Placement.place(List.of(node("a", ""), drainedTarget), List.of(moving("a", 7, "b", 7))))
        .containsEntry(SVC, NodeName.of("a"));
    assertThat(Placement.place(List.of(node("a", ""), node("c", "")), List.of(moving("a", 7, "b", 7))))
        .containsEntry(SVC, NodeName.of("a"));
  }

  @Test
  void aPlannedMoveOfAReleasedServiceStillGoesToItsTarget() {
    assertThat(Placement.place(List.of(node("a", ""), node("b", "")), List.of(moving(null, 7, "b", 7))))
        .containsEntry(SVC, NodeName.of("b"));
  }

  @Test
  void aDisabledServiceIsNotMoved() {
    var view = new ServiceView(SVC, NodeName.of("a"), NodeName.of("a"),
        new ServiceSettings(List.of(), true, new ServiceSettings.Move(NodeName.of("b"), 7)), 7);
    assertThat(Placement.place(List.of(node("a", ""), node("b", "")), List.of(view))).isEmpty();
  }
}
