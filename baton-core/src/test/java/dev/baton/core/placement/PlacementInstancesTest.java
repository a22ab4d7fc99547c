package dev.baton.core.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ServiceSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementInstancesTest {
  static final ServiceName WEB = ServiceName.of("web");
  static final ServiceName ONE = WEB.instance("1");
  static final ServiceName TWO = WEB.instance("2");
  static final NodeName A = NodeName.of("a");
  static final NodeName B = NodeName.of("b");
  static final NodeName C = NodeName.of("c");

  static NodeView node(NodeName name, boolean alive) {
    return new NodeView(name, Location.ROOT, alive, false, Map.of(ONE, ProviderState.WAITING, TWO, ProviderState.WAITING));
  }

  static ServiceView instance(ServiceName name, NodeName owner, NodeName previous) {
    return new ServiceView(name, owner, previous, ServiceSettings.DEFAULT, 3);
  }

  @Test
  void instancesOfOneServiceGoToDifferentNodes() {
    var result = Placement.place(List.of(node(A, true), node(B, true), node(C, true)),
        List.of(instance(ONE, null, null), instance(TWO, null, null)));
    assertThat(result).containsOnlyKeys(ONE, TWO);
    assertThat(new HashSet<>(result.values())).hasSize(2);
  }

  @Test
  void anInstanceWhoseOwnerDiedGoesToANodeWithoutAnotherInstance() {
    // a owns web@1, b (dead) owned web@2: web@2 goes to c, although a is first by name.
    var result = Placement.place(List.of(node(A, true), node(B, false), node(C, true)),
        List.of(instance(ONE, A, A), instance(TWO, null, B)));
    assertThat(result).containsEntry(ONE, A).containsEntry(TWO, C);
  }

  @Test
  void withFewerNodesThanInstancesTheRestStayUnplaced() {
    var result = Placement.place(List.of(node(A, true), node(B, false)),
        List.of(instance(ONE, null, null), instance(TWO, null, null)));
    assertThat(result).hasSize(1).containsValue(A);
  }

  @Test
  void anOwnerKeepsItsInstanceAgainstAMoveOfAnotherInstanceToItsNode() {
    var moving = new ServiceView(ONE, A, A, new ServiceSettings(List.of(), false, new ServiceSettings.Move(B, 3)), 3);
    var result = Placement.place(List.of(node(A, true), node(B, true), node(C, true)),
        List.of(moving, instance(TWO, B, B)));
    assertThat(result).containsEntry(ONE, A).containsEntry(TWO, B);
  }

  @Test
  void theLineNamesANodeThatRunsAnotherInstanceAsBlocked() {
    var queues = Placement.explain(List.of(node(A, true), node(B, true)),
        List.of(instance(ONE, A, A), instance(TWO, B, B)));
    assertThat(queues.get(TWO).of(A).blocked()).isEqualTo(Candidate.Blocked.SIBLING);
    assertThat(queues.get(TWO).nextInLine()).isNull();
  }

  @Test
  void servicesThatAreNoInstancesShareANode() {
    ServiceName x = ServiceName.of("x");
    ServiceName y = ServiceName.of("y");
    var only = new NodeView(A, Location.ROOT, true, false, Map.of(x, ProviderState.WAITING, y, ProviderState.WAITING));
    assertThat(Placement.place(List.of(only), List.of(instance(x, null, null), instance(y, null, null))))
        .containsEntry(x, A).containsEntry(y, A);
  }
}
