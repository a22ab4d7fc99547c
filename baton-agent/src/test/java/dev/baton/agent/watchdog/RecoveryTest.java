package dev.baton.agent.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.config.RecoveryConfig;
import java.time.Duration;
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
}
