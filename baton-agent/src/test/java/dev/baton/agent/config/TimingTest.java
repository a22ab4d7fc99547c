package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimingTest {
  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  @Test
  void fencingDeadlinesAreDerivedFromLeaseAndFenceMargin() {
    Timing timing = new Timing(ms(500), ms(3000), ms(1000));

    assertThat(timing.terminateAfter()).isEqualTo(ms(2000));
    assertThat(timing.killAfter()).isEqualTo(ms(2500));
  }

  @Test
  void storeCallTimeoutIsOneHeartbeatWhenTheDeadlineLeavesRoomForARetry() {
    assertThat(new Timing(ms(500), ms(3000), ms(1000)).storeCallTimeout()).isEqualTo(ms(500));
  }

  @Test
  void storeCallTimeoutShrinksSoARenewalCanBeRetriedBeforeSigterm() {
    Timing timing = new Timing(ms(1000), ms(4000), ms(2000));

    assertThat(timing.storeCallTimeout()).isEqualTo(ms(500));
    assertThat(timing.heartbeat().plus(timing.storeCallTimeout().multipliedBy(2))).isEqualTo(timing.terminateAfter());
  }

  @Test
  void constructorRefusesTimingsUnderWhichAServiceCouldOutliveTheLease() {
    assertThatThrownBy(() -> new Timing(ms(500), ms(1000), ms(300)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("lease: 1s must be larger than 2 x heartbeat (500ms)");
    assertThatThrownBy(() -> new Timing(ms(500), ms(3000), ms(2600)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("fence-margin: 2.6s leaves 400ms (lease - fence-margin) before a cut-off owner sends SIGTERM");
    assertThatThrownBy(() -> new Timing(ms(100), ms(1000), ms(150)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("fence-margin: 150ms leaves 75ms (fence-margin/2) between SIGKILL and the end of the lease");
    assertThatThrownBy(() -> new Timing(ms(500), ms(3000), ms(3000)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("fence-margin: 3s must be smaller than the lease (3s)");
    assertThatThrownBy(() -> new Timing(Duration.ZERO, ms(3000), ms(1000)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("heartbeat: 0ms must be more than 0");
  }

  @Test
  void smallestFenceMarginAndShortestLeaseBothNamedWhenTheLeaseIsTooShortForEither() {
    assertThatThrownBy(() -> new Timing(ms(100), ms(250), ms(160)))
        .hasMessageContaining("set timing.fence-margin below 150ms or raise timing.lease above 260ms")
        .hasMessageContaining("set timing.fence-margin to 200ms or more and raise timing.lease above 300ms");
  }
}
