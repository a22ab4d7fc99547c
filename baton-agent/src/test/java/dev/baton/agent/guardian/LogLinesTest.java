package dev.baton.agent.guardian;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogLinesTest {
  static final Instant T = Instant.parse("2026-12-05T18:29:18.689Z");

  @Test
  void aTextLineStartsWithAnIsoTimeWithItsZoneThenTheLevel() {
    assertThat(LogLines.line(T, "WARN", "[guardian pid=1] SIGKILL service svc", false))
        .matches("2026-12-05T\\d\\d:\\d\\d:18\\.689(Z|[+-]\\d\\d:\\d\\d) WARN  \\[guardian pid=1\\] SIGKILL service svc");
  }

  @Test
  void aJsonLineIsOneObjectWithTheMessageQuoted() throws Exception {
    String line = LogLines.line(T, "INFO", "a \"quoted\" word\nand a newline", true);

    assertThat(line).doesNotContain("\n");
    JsonNode json = new ObjectMapper().readTree(line);
    assertThat(json.path("timestamp").asLong()).isEqualTo(T.toEpochMilli());
    assertThat(json.path("level").asText()).isEqualTo("INFO");
    assertThat(json.path("message").asText()).isEqualTo("a \"quoted\" word\nand a newline");
    assertThat(json.path("formattedMessage").asText()).isEqualTo("a \"quoted\" word\nand a newline");
  }
}
