package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusTableTest {
  @Test
  void bansAndFailedVerdictsAreListedWithTheirEndAndHowToClearThem() {
    StatusResponse s = new StatusResponse("it", "node-b",
        List.of(new NodeStatus("node-a", "lost", "", "127.0.0.1:7070", "3s", "500ms"),
            new NodeStatus("node-b", "alive", "", "127.0.0.1:7071", "3s", "500ms")),
        List.of(new ServiceStatus("web", "provided", "node-b", 2, List.of(
            new ProviderEntry("node-a", "unavailable", "node lost", "2030-01-01T00:00:00Z", true),
            new ProviderEntry("node-b", "providing", null)), null)));

    String table = StatusTable.render(s);

    assertThat(table).contains("banned (until the time shown, or `baton clear SERVICE --node NODE`):\n"
        + "  web on node-a until 2030-01-01T00:00:00Z (failed)\n");
    assertThat(table).doesNotContain("web on node-b");
  }

  @Test
  void aWhiteboardWithoutBansHasNoBanSection() {
    StatusResponse s = new StatusResponse("it", "node-a",
        List.of(new NodeStatus("node-a", "alive", "", "127.0.0.1:7070", "3s", "500ms")),
        List.of(new ServiceStatus("web", "provided", "node-a", 1,
            List.of(new ProviderEntry("node-a", "providing", null)), null)));

    assertThat(StatusTable.render(s)).doesNotContain("banned");
  }
}
