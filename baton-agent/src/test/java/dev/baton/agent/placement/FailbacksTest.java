package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.Candidate;
import dev.baton.core.placement.EffectiveRanking;
import dev.baton.core.placement.ServiceQueue;
import dev.baton.core.store.ServiceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The failback rule ({@link Failbacks}) pass by pass, on a clock the test moves. */
class FailbacksTest {
  static final ServiceName SVC = ServiceName.of("svc");
  static final NodeName A = NodeName.of("node-a");
  static final NodeName B = NodeName.of("node-b");
  static final NodeName C = NodeName.of("node-c");
  static final long SECOND = 1_000_000_000L;
  static final ServiceSettings RANK = ServiceSettings.DEFAULT.withRanking(List.of(A, B, C))
      .withFailback(ServiceSettings.Failback.RANK, Duration.ofSeconds(10));

  /** The line of svc as owner {@code B} sees it, with {@code eligible} the providers that are candidates. */
  static ServiceQueue line(ServiceSettings settings, List<NodeName> eligible) {
    EffectiveRanking ranking = EffectiveRanking.of(SVC, settings, List.of());
    List<Candidate> line = new ArrayList<>();
    line.add(new Candidate(B, ranking.rankOf(B), null, 1, null));
    for (NodeName n : List.of(A, C)) {
      line.add(new Candidate(n, ranking.rankOf(n), null, 0, eligible.contains(n) ? null : Candidate.Blocked.NODE_DOWN));
    }
    return new ServiceQueue(SVC, B, null, B, ranking, line, false);
  }

  @Test
  void aBetterRankedCandidateGetsTheServiceBackOnceItAndTheOwnerHaveWaitedTheDelay() {
    Failbacks f = new Failbacks();
    ServiceQueue aBack = line(RANK, List.of(A, C));
    assertThat(f.due(SVC, 5, RANK, aBack, B, 0)).isNull();
    assertThat(f.due(SVC, 5, RANK, aBack, B, 9 * SECOND)).as("not before the delay").isNull();
    assertThat(f.due(SVC, 5, RANK, aBack, B, 10 * SECOND)).isEqualTo(A);
  }

  @Test
  void aCandidateThatFlapsStartsItsDelayAgain() {
    Failbacks f = new Failbacks();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 0)).isNull();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of()), B, 6 * SECOND)).as("node-a went down again").isNull();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 7 * SECOND)).isNull();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 16 * SECOND)).as("9 s since it came back").isNull();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 17 * SECOND)).isEqualTo(A);
  }

  @Test
  void aNewOwnerHoldsTheServiceForTheDelayBeforeHandingItOn() {
    Failbacks f = new Failbacks();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 0)).isNull();
    // Epoch 6: this node took the service again (a failover back and forth): its own delay restarts.
    assertThat(f.due(SVC, 6, RANK, line(RANK, List.of(A)), B, 10 * SECOND)).isNull();
    assertThat(f.due(SVC, 6, RANK, line(RANK, List.of(A)), B, 19 * SECOND)).isNull();
    assertThat(f.due(SVC, 6, RANK, line(RANK, List.of(A)), B, 20 * SECOND)).isEqualTo(A);
  }

  @Test
  void onlyAStrictlyBetterRankCountsAndStickyNeverFailsBack() {
    Failbacks f = new Failbacks();
    ServiceSettings cFirst = RANK.withRanking(List.of(B, C, A));
    assertThat(f.due(SVC, 5, cFirst, line(cFirst, List.of(A, C)), B, 0)).isNull();
    assertThat(f.due(SVC, 5, cFirst, line(cFirst, List.of(A, C)), B, 60 * SECOND)).as("the owner ranks first").isNull();

    ServiceSettings unranked = RANK.withRanking(List.of());
    assertThat(f.due(SVC, 5, unranked, line(unranked, List.of(A, C)), B, 0)).isNull();
    assertThat(f.due(SVC, 5, unranked, line(unranked, List.of(A, C)), B, 60 * SECOND)).as("nobody ranked").isNull();

    ServiceSettings sticky = RANK.withFailback(ServiceSettings.Failback.STICKY, null);
    assertThat(f.due(SVC, 5, sticky, line(sticky, List.of(A, C)), B, 0)).isNull();
    assertThat(f.due(SVC, 5, sticky, line(sticky, List.of(A, C)), B, 60 * SECOND)).isNull();
  }

  @Test
  void theBestRankedOfSeveralDueCandidatesWins() {
    Failbacks f = new Failbacks();
    ServiceSettings cThenA = RANK.withRanking(List.of(C, A, B));
    f.due(SVC, 5, cThenA, line(cThenA, List.of(A, C)), B, 0);
    assertThat(f.due(SVC, 5, cThenA, line(cThenA, List.of(A, C)), B, 10 * SECOND)).isEqualTo(C);
  }

  @Test
  void forgettingAServiceStartsBothDelaysAgain() {
    Failbacks f = new Failbacks();
    f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 0);
    f.forget(SVC); // a pass in which node-b was not the steady owner (a restart in place, say)
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 10 * SECOND)).isNull();
    assertThat(f.due(SVC, 5, RANK, line(RANK, List.of(A)), B, 20 * SECOND)).isEqualTo(A);
  }
}
