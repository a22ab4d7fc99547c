package dev.baton.core.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ServiceSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EffectiveRankingTest {
  static final ServiceName SVC = ServiceName.of("svc");
  static final ServiceName OTHER = ServiceName.of("other");

  static NodeView node(String name, Integer rank) {
    return node(name, "", true, false, ProviderState.WAITING, rank);
  }

  static NodeView node(String name, String location, boolean alive, boolean drained, ProviderState state, Integer rank) {
    return new NodeView(NodeName.of(name), Location.parse(location), alive, drained, Map.of(SVC, state),
        rank == null ? Map.of() : Map.of(SVC, rank));
  }

  static ServiceSettings ranked(String... nodes) {
    return new ServiceSettings(Arrays.stream(nodes).map(NodeName::of).toList(), false);
  }

  static ServiceView service(String owner, String previous, ServiceSettings settings) {
    return new ServiceView(SVC, owner == null ? null : NodeName.of(owner), previous == null ? null : NodeName.of(previous),
        settings);
  }

  static NodeName n(String name) {
    return NodeName.of(name);
  }

  @Test
  void theConfigDefaultsOrderTheProvidersLowestRankFirstTiesByName() {
    EffectiveRanking r = EffectiveRanking.of(SVC, ServiceSettings.DEFAULT,
        List.of(node("c", 2), node("a", null), node("d", 1), node("b", 2)));

    assertThat(r.source()).isEqualTo(EffectiveRanking.Source.CONFIG);
    assertThat(r.nodes()).containsExactly(n("d"), n("b"), n("c"));
    assertThat(r.rankOf(n("b"))).isEqualTo(2).isEqualTo(r.rankOf(n("c")));
    assertThat(r.rankOf(n("a"))).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void anOperatorsRankingWinsOverEveryDefault() {
    EffectiveRanking r = EffectiveRanking.of(SVC, ranked("b", "a"), List.of(node("a", 1), node("b", 5), node("c", 2)));

    assertThat(r.source()).isEqualTo(EffectiveRanking.Source.OPERATOR);
    assertThat(r.entries()).containsExactly(new EffectiveRanking.Entry(n("b"), 1), new EffectiveRanking.Entry(n("a"), 2));
    assertThat(r.rankOf(n("c"))).as("a default does not rank a node the operator left out").isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void withoutOperatorOrDefaultsNothingRanks() {
    assertThat(EffectiveRanking.of(SVC, ServiceSettings.DEFAULT, List.of(node("a", null))).source())
        .isEqualTo(EffectiveRanking.Source.NONE);
  }

  @Test
  void aRankGivenForAnotherServiceDoesNotCount() {
    NodeView a = new NodeView(n("a"), Location.ROOT, true, false, Map.of(SVC, ProviderState.WAITING), Map.of(OTHER, 1));
    assertThat(EffectiveRanking.of(SVC, ServiceSettings.DEFAULT, List.of(a)).entries()).isEmpty();
  }

  @Test
  void placementGivesAnUnownedServiceToTheBestDefaultRankOverNameAndNearness() {
    var nodes = List.of(node("a", "eu/1", true, false, ProviderState.WAITING, 2),
        node("b", "us/1", true, false, ProviderState.WAITING, 1),
        node("prev", "eu/1", false, false, ProviderState.PROVIDING, null));

    assertThat(Placement.place(nodes, List.of(service(null, "prev", ServiceSettings.DEFAULT))))
        .containsEntry(SVC, n("b"));
    assertThat(Placement.place(nodes, List.of(service(null, "prev", ranked("a")))))
        .as("the operator's ranking overrides the defaults").containsEntry(SVC, n("a"));
  }

  @Test
  void theLineListsTheOwnerThenTheNextInLineByTheSameRulesThenTheProvidersThatCannotTakeIt() {
    var nodes = List.of(
        node("owner", "eu/paris/1", true, false, ProviderState.PROVIDING, 3),
        node("near", "eu/paris/2", true, false, ProviderState.WAITING, null),
        node("ranked", "us/nyc/1", true, false, ProviderState.WAITING, 1),
        node("drained", "eu/paris/1", true, true, ProviderState.WAITING, null),
        node("lost", "eu/paris/1", false, false, ProviderState.WAITING, null),
        node("banned", "eu/paris/1", true, false, ProviderState.UNAVAILABLE, null));

    ServiceQueue q = Placement.explain(nodes, List.of(service("owner", "owner", ServiceSettings.DEFAULT))).get(SVC);

    assertThat(q.target()).as("sticky").isEqualTo(n("owner"));
    assertThat(q.nextInLine()).as("rank 1 goes before nearness").isEqualTo(n("ranked"));
    assertThat(q.line()).extracting(Candidate::node)
        .containsExactly(n("owner"), n("ranked"), n("near"), n("banned"), n("drained"), n("lost"));
    assertThat(q.placeOf(n("owner"))).isEqualTo(1);
    assertThat(q.placeOf(n("ranked"))).isEqualTo(2);
    assertThat(q.placeOf(n("near"))).isEqualTo(3);
    assertThat(q.placeOf(n("drained"))).isZero();
    assertThat(q.of(n("near")).shared()).isEqualTo(Location.parse("eu/paris"));
    assertThat(q.of(n("ranked")).shared()).isEqualTo(Location.ROOT);
    assertThat(q.of(n("drained")).blocked()).isEqualTo(Candidate.Blocked.DRAINED);
    assertThat(q.of(n("lost")).blocked()).isEqualTo(Candidate.Blocked.NODE_DOWN);
    assertThat(q.of(n("banned")).blocked()).isEqualTo(Candidate.Blocked.UNAVAILABLE);
    assertThat(q.from()).isEqualTo(n("owner"));
  }

  @Test
  void theNextInLineIsWhomPlacementChoosesOnceTheOwnerIsGone() {
    var alive = List.of(
        node("owner", "eu/paris/1", true, false, ProviderState.PROVIDING, null),
        node("b", "us/nyc/1", true, false, ProviderState.WAITING, null),
        node("c", "eu/paris/2", true, false, ProviderState.WAITING, null),
        node("d", "eu/london/1", true, false, ProviderState.WAITING, null));
    NodeName next = Placement.explain(alive, List.of(service("owner", "owner", ServiceSettings.DEFAULT))).get(SVC)
        .nextInLine();

    var ownerGone = List.of(node("owner", "eu/paris/1", false, false, ProviderState.PROVIDING, null),
        alive.get(1), alive.get(2), alive.get(3));
    assertThat(next).isEqualTo(n("c"));
    assertThat(Placement.place(ownerGone, List.of(service(null, "owner", ServiceSettings.DEFAULT))))
        .containsEntry(SVC, next);
  }

  @Test
  void aDisabledServiceHasNoTargetAndNoNextInLine() {
    ServiceQueue q = Placement.explain(List.of(node("a", 1), node("b", 2)),
        List.of(service(null, null, new ServiceSettings(List.of(), true)))).get(SVC);

    assertThat(q.disabled()).isTrue();
    assertThat(q.target()).isNull();
    assertThat(q.nextInLine()).isNull();
  }
}
