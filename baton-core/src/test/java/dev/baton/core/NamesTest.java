package dev.baton.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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
  void anInstanceNameIsAServiceAndAnInstanceJoinedByAnAt() {
    ServiceName instance = ServiceName.of("web").instance("node-a");
    assertThat(instance.value()).isEqualTo("web@node-a");
    assertThat(instance.isInstance()).isTrue();
    assertThat(instance.service()).isEqualTo(ServiceName.of("web"));
    assertThat(ServiceName.of("web@2")).isEqualTo(ServiceName.of("web").instance("2"));
    assertThat(ServiceName.of("web").isInstance()).isFalse();
    assertThat(ServiceName.of("web").service()).isEqualTo(ServiceName.of("web"));
    for (String bad : List.of("@1", "web@", "web@1@2", "Web@1", "web@-1")) {
      assertThatThrownBy(() -> ServiceName.of(bad)).isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("invalid service name \"" + bad + "\"").hasMessageContaining("SERVICE@INSTANCE");
    }
    assertThatThrownBy(() -> instance.instance("1")).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void locationsShareTheirLongestCommonPrefix() {
    assertThat(Location.parse("eu/paris/rack-1").commonPrefixLength(Location.parse("eu/paris/rack-2"))).isEqualTo(2);
    assertThat(Location.parse("eu").commonPrefixLength(Location.parse("us"))).isZero();
    assertThat(Location.parse("").segments()).isEmpty();
    assertThatThrownBy(() -> Location.parse("eu//x")).hasMessageContaining("invalid location \"eu//x\"");
  }
}
