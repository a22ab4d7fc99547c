package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.InvalidInputException;
import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

class TimingPropertyTest {

  @Property
  void everyAcceptedTimingStopsServicesBeforeTheLeaseEnds(
      @ForAll @LongRange(min = 1, max = 10_000) long heartbeat,
      @ForAll @LongRange(min = 1, max = 60_000) long lease,
      @ForAll @LongRange(min = 1, max = 60_000) long fenceMargin) {
    try {
      assertSafe(new Timing(Duration.ofMillis(heartbeat), Duration.ofMillis(lease), Duration.ofMillis(fenceMargin)));
    } catch (InvalidInputException rejected) {
      assertThat(rejected).hasMessageStartingWith("invalid timing: ");
    }
  }

  @Property
  void timingsThatKeepTheRulesAreAccepted(
      @ForAll @LongRange(min = 1, max = 5_000) long heartbeat,
      @ForAll @LongRange(min = 200, max = 20_000) long fenceMargin,
      @ForAll @LongRange(min = 1, max = 20_000) long slack) {
    long lease = Math.max(2 * heartbeat, fenceMargin + heartbeat) + slack;

    assertSafe(new Timing(Duration.ofMillis(heartbeat), Duration.ofMillis(lease), Duration.ofMillis(fenceMargin)));
  }

  private static void assertSafe(Timing timing) {
    assertThat(timing.lease()).isGreaterThan(timing.heartbeat().multipliedBy(2));
    assertThat(timing.terminateAfter()).isGreaterThan(timing.heartbeat());
    assertThat(timing.killAfter()).isGreaterThan(timing.terminateAfter());
    assertThat(timing.lease().minus(timing.killAfter())).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    assertThat(timing.storeCallTimeout()).isPositive().isLessThanOrEqualTo(timing.heartbeat());
    assertThat(timing.heartbeat().plus(timing.storeCallTimeout().multipliedBy(2)))
        .isLessThanOrEqualTo(timing.terminateAfter());
  }
}
