package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's log (launcher, guardian and agent together) in both formats, from a real node process. */
class LogFormatIT {
  @TempDir Path dir;
  Group group;

  @AfterEach
  void stop() {
    if (group != null) {
      group.close();
    }
  }

  List<String> logOf(Map<String, String> env) throws Exception {
    group = Group.sqlite(dir);
    Group.Node node = group.start("node-a", null, env);
    await("the node provides svc").atMost(Duration.ofSeconds(60)).until(() -> group.providedWithNodesAlive(1));
    await("the guardian and the agent have both logged").atMost(Duration.ofSeconds(10)).until(() -> {
      String log = Files.readString(node.log);
      return log.contains("started the agent") && log.contains("joined the group");
    });
    return Files.readAllLines(node.log);
  }

  @Test
  void everyLineOfATextLogBeginsWithAnIsoTimeWithItsZoneAndALevel() throws Exception {
    List<String> lines = logOf(Map.of());

    assertThat(lines).isNotEmpty().allSatisfy(line -> assertThat(line)
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (TRACE|DEBUG|INFO |WARN |ERROR) .*"));
  }

  @Test
  void withBatonLogFormatJsonEveryLineIsAJsonObjectTheGuardiansToo() throws Exception {
    List<String> lines = logOf(Map.of("BATON_LOG_FORMAT", "json"));

    ObjectMapper json = new ObjectMapper();
    assertThat(lines).isNotEmpty().allSatisfy(line -> {
      JsonNode entry = json.readTree(line);
      assertThat(entry.path("level").asText()).isNotEmpty();
      assertThat(entry.path("message").asText()).isNotEmpty();
      assertThat(entry.path("formattedMessage").asText()).as("the message with its arguments: %s", line)
          .isNotEmpty().doesNotContain("{}");
      assertThat(entry.path("timestamp").asLong()).isPositive();
    });
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("started the agent"))
        .anySatisfy(l -> assertThat(l).contains("joined the group"));
  }
}
