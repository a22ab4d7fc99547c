package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Durations;
import dev.baton.core.ServiceName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

class DurationRoundTripPropertyTest {
  private Path dir;

  @BeforeProperty
  void createDir() throws IOException {
    dir = Files.createTempDirectory("baton-config-durations");
  }

  @AfterProperty
  void deleteDir() throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Property(tries = 300)
  void aDurationWrittenAsBatonFormatsItLoadsBackUnchanged(@ForAll @LongRange(min = 1, max = 400_000_000L) long millis) {
    Duration stopTimeout = Duration.ofMillis(millis);

    AgentConfig config = new ConfigFiles(dir).load("""
        group: billing
        services:
          a:
            command: [/bin/true]
            stop-timeout: %s
        """.formatted(Durations.format(stopTimeout)));

    assertThat(config.services().get(ServiceName.of("a")).stopTimeout()).isEqualTo(stopTimeout);
  }
}
