package dev.baton.core.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ServiceSettings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class PlacementPropertiesTest {
  static final List<ServiceName> SERVICES = List.of("s0", "s1", "s2", "s3").stream().map(ServiceName::of).toList();
  static final List<NodeName> NODES = List.of("n0", "n1", "n2", "n3", "n4").stream().map(NodeName::of).toList();

  record Scenario(List<NodeView> nodes, List<ServiceView> services) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<NodeView> node = Combinators.combine(
            Arbitraries.of(NODES),
            Arbitraries.of("", "eu", "eu/paris", "eu/paris/r1", "us/nyc"),
            Arbitraries.of(true, true, false),
            Arbitraries.of(false, false, true),
            Arbitraries.maps(Arbitraries.of(SERVICES), Arbitraries.of(ProviderState.values())).ofMaxSize(4))
        .as((name, loc, alive, drained, providers) -> new NodeView(name, Location.parse(loc), alive, drained, providers));
    Arbitrary<List<NodeView>> nodes = node.list().ofMaxSize(5).uniqueElements(NodeView::name);
    Arbitrary<ServiceView> service = Combinators.combine(
            Arbitraries.of(SERVICES),
            Arbitraries.of(NODES).injectNull(0.4),
            Arbitraries.of(NODES).injectNull(0.4),
            Arbitraries.of(NODES).list().ofMaxSize(3).uniqueElements(),
            Arbitraries.of(false, false, false, true))
        .as((name, owner, previous, ranking, disabled) ->
            new ServiceView(name, owner, previous, new ServiceSettings(ranking, disabled)));
    Arbitrary<List<ServiceView>> services = service.list().ofMaxSize(4).uniqueElements(ServiceView::name);
    return Combinators.combine(nodes, services).as(Scenario::new);
  }

  @Property
  void theResultNamesOnlyEligibleCandidates(@ForAll("scenarios") Scenario s) {
    Map<NodeName, NodeView> byName = new HashMap<>();
    s.nodes().forEach(n -> byName.put(n.name(), n));
    Map<ServiceName, ServiceView> services = new HashMap<>();
    s.services().forEach(v -> services.put(v.name(), v));
    Placement.place(s.nodes(), s.services()).forEach((service, node) -> {
      NodeView chosen = byName.get(node);
      assertThat(chosen).isNotNull();
      assertThat(chosen.alive()).isTrue();
      assertThat(chosen.drained()).isFalse();
      assertThat(chosen.providers().get(service)).isNotNull().isNotEqualTo(ProviderState.UNAVAILABLE);
      assertThat(services.get(service).settings().disabled()).isFalse();
    });
  }

  @Property
  void theResultIsDeterministicWhateverTheInputOrder(@ForAll("scenarios") Scenario s, @ForAll long seed) {
    List<NodeView> nodes = new ArrayList<>(s.nodes());
    List<ServiceView> services = new ArrayList<>(s.services());
    Collections.shuffle(nodes, new Random(seed));
    Collections.shuffle(services, new Random(seed + 1));
    assertThat(Placement.place(nodes, services)).isEqualTo(Placement.place(s.nodes(), s.services()));
  }

  @Property
  void withoutAValidOwnerTheBestRankedEligibleCandidateIsChosen(@ForAll("scenarios") Scenario s) {
    Map<ServiceName, NodeName> result = Placement.place(s.nodes(), s.services());
    for (ServiceView v : s.services()) {
      boolean ownerKeeps = v.owner() != null && s.nodes().stream()
          .anyMatch(n -> n.name().equals(v.owner()) && n.canRun(v.name()));
      if (v.settings().disabled() || ownerKeeps) {
        continue;
      }
      v.settings().ranking().stream()
          .filter(r -> s.nodes().stream().anyMatch(n -> n.name().equals(r) && n.canRun(v.name())))
          .findFirst()
          .ifPresent(best -> assertThat(result.get(v.name())).isEqualTo(best));
    }
  }

  @Property
  void aValidOwnerThatCanStillRunItsServiceKeepsIt(@ForAll("scenarios") Scenario s) {
    Map<ServiceName, NodeName> result = Placement.place(s.nodes(), s.services());
    for (ServiceView v : s.services()) {
      if (!v.settings().disabled() && v.owner() != null && s.nodes().stream()
          .anyMatch(n -> n.name().equals(v.owner()) && n.canRun(v.name()))) {
        assertThat(result.get(v.name())).isEqualTo(v.owner());
      }
    }
  }
}
