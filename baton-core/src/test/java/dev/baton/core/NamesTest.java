package dev.baton.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void badNamesAreRejectedWithTheInputEchoed() {
    assertThatThrownBy(() -> ServiceName.of("Mail Sender")).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("invalid service name \"Mail Sender\"");
    assertThatThrownBy(() -> NodeName.of("-a")).hasMessageContaining("\"-a\"");
    assertThatThrownBy(() -> GroupName.of("")).hasMessageContaining("group name is missing");
    assertThatThrownBy(() -> NodeName.of("a".repeat(64))).isInstanceOf(InvalidInputException.class);
    assertThat(NodeName.of("a".repeat(63)).value()).hasSize(63);
  }

  @Test
  void locationsShareTheirLongestCommonPrefix() {
    assertThat(Location.parse("eu/paris/rack-1").commonPrefixLength(Location.parse("eu/paris/rack-2"))).isEqualTo(2);
    assertThat(Location.parse("eu").commonPrefixLength(Location.parse("us"))).isZero();
    assertThat(Location.parse("").segments()).isEmpty();
    assertThatThrownBy(() -> Location.parse("eu//x")).hasMessageContaining("invalid location \"eu//x\"");
  }
}
