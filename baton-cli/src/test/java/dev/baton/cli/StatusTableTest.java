package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.RankingEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTableTest {
  @Test
  void bansAndFailedVerdictsAreListedWithTheirEndAndHowToClearThem() {
    StatusResponse s = new StatusResponse("it", "node-b",
        List.of(new NodeStatus("node-a", "lost", "", "127.0.0.1:7070", "3s", "500ms"),
            new NodeStatus("node-b", "alive", "", "127.0.0.1:7071", "3s", "500ms")),
        List.of(new ServiceStatus("web", "provided", "node-b", 2, List.of(
            new ProviderEntry("node-a", "unavailable", "node lost", "2030-01-01T00:00:00Z", true),
            new ProviderEntry("node-b", "providing", null)), null)));

    String table = StatusTable.render(s);

    assertThat(table).contains("banned (until the time shown, or `baton clear SERVICE --node NODE`):\n"
        + "  web on node-a until 2030-01-01T00:00:00Z (failed)\n");
    assertThat(table).doesNotContain("web on node-b");
  }

  @Test
  void aWhiteboardWithoutBansHasNoBanSection() {
    StatusResponse s = new StatusResponse("it", "node-a",
        List.of(new NodeStatus("node-a", "alive", "", "127.0.0.1:7070", "3s", "500ms")),
        List.of(new ServiceStatus("web", "provided", "node-a", 1,
            List.of(new ProviderEntry("node-a", "providing", null)), null)));

    assertThat(StatusTable.render(s)).doesNotContain("banned");
  }

  @Test
  void whatTheStoreSaysOfItselfFollowsTheHeader() {
    StatusResponse s = new StatusResponse("it", "node-a",
        List.of(new NodeStatus("node-a", "alive", "", "127.0.0.1:7070", "1s", "200ms")),
        List.of()).withStore("pair: this member (10.0.0.1:7400) is live at term 2; its backup 10.0.0.2:7400 answers"
        + " heartbeats; no witness");

    assertThat(StatusTable.render(s)).startsWith("group it (as seen by node-a)\n"
        + "pair: this member (10.0.0.1:7400) is live at term 2; its backup 10.0.0.2:7400 answers heartbeats; no witness\n\n"
        + "NODE");
  }

  static StatusResponse withALine(String takeoverIn) {
    return withALine(takeoverIn, null, null);
  }

  static StatusResponse withALine(String takeoverIn, String pausedSince, String pausedFor) {
    return new StatusResponse("it", "node-b",
        List.of(new NodeStatus("node-a", "eu/paris", "alive", "127.0.0.1:7070", "3s", "500ms"),
            new NodeStatus("node-b", "eu/paris", "alive", "127.0.0.1:7071", "3s", "500ms"),
            new NodeStatus("node-c", "us", "drained", "127.0.0.1:7072", "3s", "500ms")),
        List.of(new ServiceStatus("web", "provided", "node-a", 4, List.of(
            new ProviderEntry("node-a", "providing", null, null, false, 1, 2),
            new ProviderEntry("node-b", "waiting", "next in line: rank 3 (config), shares eu/paris with node-a", null,
                false, 2, 3),
            new ProviderEntry("node-c", "unavailable", "node drained", null, false, null, 1)), null,
            List.of(new RankingEntry("node-c", 1, "config"), new RankingEntry("node-a", 2, "config"),
                new RankingEntry("node-b", 3, "config")), "node-b", takeoverIn, pausedSince, pausedFor, "sticky", "30s")));
  }

  @Test
  void everyServiceShowsItsNextInLineAndItsRankingWithWhereItComesFrom() {
    String table = StatusTable.render(withALine(null));

    assertThat(table).contains("SERVICE  NEXT IN LINE  RANKING                                TAKEOVER\n"
        + "web      node-b        node-c=1, node-a=2, node-b=3 (config)\n");
    assertThat(table).contains("next in line: rank 3 (config), shares eu/paris with node-a");
  }

  @Test
  void aSilentOwnersTakeoverShowsTheTimeLeft() {
    assertThat(StatusTable.render(withALine("1.2s"))).contains("in 1.2s (node-a not renewing)");
    assertThat(StatusTable.renderService(withALine("1.2s").services().get(0)))
        .contains("takeover: node-a is not renewing its session; its lease passes in 1.2s, then node-b takes over");
  }

  @Test
  void oneServiceInDetailListsItsProvidersInLineOrder() {
    String detail = StatusTable.renderService(withALine(null).services().get(0));

    assertThat(detail).isEqualTo("""
        web: provided, owner node-a, epoch 4
        ranking: node-c=1, node-a=2, node-b=3 (config)
        failback: sticky
        next in line: node-b

        #  PROVIDER  STATE        RANK  REASON
        1  node-a    providing    2
        2  node-b    waiting      3     next in line: rank 3 (config), shares eu/paris with node-a
        -  node-c    unavailable  1     node drained
        """);
  }

  @Test
  void aPausedServiceIsMarkedWithHowLongItHasBeenPausedAndBoldOnATerminal() {
    StatusResponse paused = withALine(null, "2026-12-05T10:00:00Z", "192s");
    String table = StatusTable.render(paused);

    assertThat(table).contains("web      PAUSED 192s (provided)  node-a");
    assertThat(table).contains("PAUSED: Baton starts, stops and moves nothing of these until `baton resume SERVICE`"
        + " (or --all):\n  web for 192s (since 2026-12-05T10:00:00Z)\n");
    assertThat(StatusTable.renderService(paused.services().get(0)))
        .contains("PAUSED for 192s (since 2026-12-05T10:00:00Z): Baton starts, stops and moves nothing of web until"
            + " `baton resume web`");
    assertThat(StatusTable.bold(table)).contains("\u001b[1mPAUSED\u001b[0m 192s (provided)")
        .doesNotContain(" PAUSED ");
    assertThat(StatusTable.render(withALine(null))).doesNotContain("PAUSED");
  }

  @Test
  void nodesOnDifferentVersionsShowTheirVersionAndSameVersionsShowNone() {
    List<ServiceStatus> none = List.of();
    StatusResponse mixed = new StatusResponse("it", "node-a", List.of(
        new NodeStatus("node-a", "", "alive", "127.0.0.1:7070", "3s", "500ms", "0.2.0"),
        new NodeStatus("node-b", "", "alive", "127.0.0.1:7071", "3s", "500ms", "0.1.0"),
        new NodeStatus("node-c", "", "alive", "127.0.0.1:7072", "3s", "500ms", "0.2.0")), none, "0.2.0");
    String table = StatusTable.render(mixed);
    assertThat(table).contains("NODE    STATE  LOCATION  LEASE  API             VERSION\n"
        + "node-a  alive  -         3s     127.0.0.1:7070  0.2.0\n"
        + "node-b  alive  -         3s     127.0.0.1:7071  0.1.0\n");
    assertThat(table).contains("nodes run different versions of Baton: 0.1.0 on node-b; 0.2.0 on node-a, node-c\n");

    StatusResponse same = new StatusResponse("it", "node-a", List.of(
        new NodeStatus("node-a", "", "alive", "127.0.0.1:7070", "3s", "500ms", "0.2.0"),
        new NodeStatus("node-b", "", "alive", "127.0.0.1:7071", "3s", "500ms", "0.2.0")), none, "0.2.0");
    assertThat(StatusTable.render(same)).doesNotContain("VERSION").doesNotContain("different versions");
  }
}
