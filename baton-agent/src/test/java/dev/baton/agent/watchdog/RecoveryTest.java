package dev.baton.agent.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.config.RecoveryConfig;
import dev.baton.core.store.Decision;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecoveryTest {
  long now;
  final RecoveryConfig config = new RecoveryConfig(3, Duration.ofMinutes(10), Duration.ofSeconds(1),
      Duration.ofSeconds(3), Duration.ofMinutes(5));

  @Test
  void restartsWithDoublingBackoffUntilTheBudgetIsSpentThenBans() {
    Recovery r = new Recovery(config, () -> now);
    assertThat(r.failed()).isEqualTo(new Recovery.Restart(1, 3, Duration.ofSeconds(1)));
    assertThat(r.failed()).isEqualTo(new Recovery.Restart(2, 3, Duration.ofSeconds(2)));
    assertThat(r.failed()).isEqualTo(new Recovery.Restart(3, 3, Duration.ofSeconds(3)));
    assertThat(r.failed()).isEqualTo(new Recovery.Ban(Duration.ofMinutes(5), 3));
    assertThat(r.banned()).isTrue();
    now += Duration.ofMinutes(5).toNanos();
    assertThat(r.banned()).isFalse();
    assertThat(r.failed()).as("a new budget after the ban").isInstanceOf(Recovery.Restart.class);
  }

  @Test
  void restartsOlderThanTheWindowNoLongerCount() {
    Recovery r = new Recovery(config, () -> now);
    r.failed();
    r.failed();
    r.failed();
    now += Duration.ofMinutes(11).toNanos();
    assertThat(r.failed()).isEqualTo(new Recovery.Restart(1, 3, Duration.ofSeconds(1)));
  }

  @Test
  void clearingLiftsTheBanAndResetsTheBudget() {
    Recovery r = new Recovery(new RecoveryConfig(0, Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofSeconds(1),
        Duration.ofHours(1)), () -> now);
    assertThat(r.failed()).isInstanceOf(Recovery.Ban.class);
    r.clear();
    assertThat(r.banned()).isFalse();
  }

  @Test
  void aDecisionCarriesTheBanAndTheRestartsUsedAcrossARestartOfTheAgent() {
    Instant wall = Instant.parse("2030-01-01T12:00:00Z");
    Recovery before = new Recovery(config, () -> now);
    before.failed();
    now += Duration.ofMinutes(1).toNanos();
    before.failed();
    Decision restarts = before.decision(wall, null, null);
    assertThat(restarts).isEqualTo(new Decision(null, null, 2, wall.minus(Duration.ofMinutes(1)), null));

    // A new agent, its monotonic clock elsewhere, two minutes later: one restart is left of the budget.
    now = 777;
    Recovery after = new Recovery(config, () -> now);
    after.restore(restarts, wall.plus(Duration.ofMinutes(2)));
    assertThat(after.restartsUsed()).isEqualTo(2);
    assertThat(after.failed()).isEqualTo(new Recovery.Restart(3, 3, Duration.ofSeconds(3)));
    assertThat(after.failed()).isInstanceOf(Recovery.Ban.class);
    Decision banned = after.decision(wall.plus(Duration.ofMinutes(2)), "banned", "no eligible candidate left");
    assertThat(banned.bannedUntil()).isEqualTo(wall.plus(Duration.ofMinutes(7)));
    assertThat(banned.failed()).isTrue();
    assertThat(banned.restarts()).isZero();

    now = 5;
    Recovery third = new Recovery(config, () -> now);
    third.restore(banned, wall.plus(Duration.ofMinutes(4)));
    assertThat(third.banLeft()).isEqualTo(Duration.ofMinutes(3));
    now += Duration.ofMinutes(3).toNanos();
    assertThat(third.banned()).isFalse();
  }

  @Test
  void whatEndedWhileTheAgentWasAwayIsNotRestored() {
    Instant wall = Instant.parse("2030-01-01T12:00:00Z");
    Recovery r = new Recovery(config, () -> now);
    r.restore(new Decision(wall.minusSeconds(1), "banned", 0, null, null), wall);
    assertThat(r.banned()).isFalse();
    r.restore(new Decision(null, null, 3, wall.minus(Duration.ofMinutes(11)), null), wall);
    assertThat(r.restartsUsed()).isZero();
    assertThat(r.decision(wall, null, null).isNone()).isTrue();
  }
}
