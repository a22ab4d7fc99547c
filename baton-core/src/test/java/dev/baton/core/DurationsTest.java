package dev.baton.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void readsEveryUnitAndDecimals() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("3s")).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void rejectsTextWithoutAUnitEchoingIt() {
    assertThatThrownBy(() -> Durations.parse("5")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("\"5\"").hasMessageContaining("ms, s, m or h");
    assertThatThrownBy(() -> Durations.parse("-1s")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> Durations.parse("0.0001s")).isInstanceOf(InvalidInputException.class);
  }

  @Property
  void formatThenParseGivesTheSameDuration(@ForAll @LongRange(min = 0, max = 100_000_000) long millis) {
    Duration d = Duration.ofMillis(millis);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }
}
