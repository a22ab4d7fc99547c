package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a reload changes, and the settings it refuses to change. */
class ConfigChangesTest {
  @TempDir Path dir;

  private static final String BASE = String.join("\n",
      "group: billing",
      "node: {name: node-a, location: eu/paris}",
      "api: {listen: '127.0.0.1:7070'}",
      "store: sqlite:/tmp/billing.db",
      "timing: {heartbeat: 500ms, lease: 3s}",
      "state-dir: /tmp/node-a",
      "guardian: true",
      "containment: auto",
      "services:",
      "  same: {command: [run, same]}",
      "  cmd: {command: [run, cmd]}",
      "  env: {command: [run, env], env: {A: '1'}}",
      "  checks: {command: [run, checks]}",
      "  gone: {command: [run, gone]}",
      "");

  private AgentConfig load(String name, String yaml) {
    return ConfigLoader.load(new ConfigFiles(dir).write(name, yaml), () -> "test-host");
  }

  private static List<String> names(java.util.Set<ServiceName> s) {
    return s.stream().map(ServiceName::value).toList();
  }

  @Test
  void servicesAreSortedIntoAddedRemovedRestartedChangedAndUnchanged() {
    AgentConfig running = load("a.yaml", BASE);
    AgentConfig next = load("b.yaml", BASE
        .replace("  cmd: {command: [run, cmd]}", "  cmd: {command: [run, cmd, --new]}")
        .replace("env: {A: '1'}", "env: {A: '2'}")
        .replace("  checks: {command: [run, checks]}",
            "  checks: {command: [run, checks], stop-timeout: 3s, checks: [{name: up, kind: exec, command: ['true']}]}")
        .replace("  gone: {command: [run, gone]}", "  new: {command: [run, new]}")
        + "rules: [{when: {condition: cpu-hot}, then: drain-node}]\n");

    ConfigChanges c = ConfigChanges.between(running, next);

    assertThat(names(c.added())).containsExactly("new");
    assertThat(names(c.removed())).containsExactly("gone");
    assertThat(names(c.restarted())).containsExactly("cmd", "env");
    assertThat(names(c.changed())).containsExactly("checks");
    assertThat(names(c.unchanged())).containsExactly("same");
    assertThat(c.settings()).containsExactly("rules");
    assertThat(c.any()).isTrue();
    assertThat(c.describe()).isEqualTo("added [new]; removed [gone]; restarted [cmd, env]; changed [checks];"
        + " unchanged [same]; settings [rules]");
  }

  @Test
  void theSameFileChangesNothing() {
    ConfigChanges c = ConfigChanges.between(load("a.yaml", BASE), load("b.yaml", BASE));
    assertThat(c.any()).isFalse();
    assertThat(c.describe()).isEqualTo("nothing changed; unchanged [checks, cmd, env, gone, same]");
  }

  @Test
  void everyRestartOnlySettingIsRefusedWithItsOldAndNewValueAndTheWayToApplyIt() throws Exception {
    AgentConfig running = load("a.yaml", BASE);
    new ConfigFiles(dir).write("pw", "secret\n");
    new ConfigFiles(dir).write("token", "the-api-token\n");
    dev.baton.agent.TestNodes.selfSigned(dir.resolve("tls"));
    Path file = new ConfigFiles(dir).write("b.yaml", BASE
        .replace("group: billing", "group: payroll")
        .replace("name: node-a", "name: node-b")
        .replace("location: eu/paris", "location: eu/lyon")
        .replace("'127.0.0.1:7070'", "'127.0.0.1:7071', advertise: node-b.example.com, token-file: token,"
            + " tls: {cert: tls/cert.pem, key: tls/key.pem}")
        .replace("sqlite:/tmp/billing.db", "sqlite:/tmp/other.db")
        .replace("heartbeat: 500ms, lease: 3s", "heartbeat: 400ms, lease: 4s, fence-margin: 1200ms")
        .replace("state-dir: /tmp/node-a", "state-dir: /tmp/node-b")
        .replace("guardian: true", "guardian: false")
        .replace("containment: auto", "containment: process-group")
        + "store-password-file: pw\n");
    AgentConfig next = ConfigLoader.load(file, () -> "test-host");

    assertThatThrownBy(() -> ConfigChanges.between(running, next)).isInstanceOfSatisfying(ConfigException.class, e -> {
      assertThat(e.problems()).extracting(ConfigProblem::keyPath).containsExactly("group", "node.name", "node.location",
          "api.listen", "api.advertise", "api.token-file", "api.tls", "store", "store-password-file", "timing.heartbeat", "timing.lease", "timing.fence-margin",
          "state-dir", "guardian", "containment");
      assertThat(e.problems()).extracting(ConfigProblem::keyPath).containsExactlyElementsOf(ConfigChanges.RESTART_ONLY);
      assertThat(e.getMessage().lines()).contains(file + ": node.location: changed from \"eu/paris\" to \"eu/lyon\";"
          + " node.location cannot change while the agent runs. Restart the agent to apply it (`baton stop`, then"
          + " `baton agent -c " + file + "`), or put the old value back to reload the rest");
      assertThat(e.getMessage()).as("a store URL may hold a password: never echoed").doesNotContain("other.db");
      assertThat(e.getMessage()).as("the token is a secret: never echoed").doesNotContain("the-api-token");
    });
  }

  @Test
  void aLeaseChangeIsOneProblemWhenTheFenceMarginIsTheDefaultThatFollowsIt() {
    AgentConfig running = load("a.yaml", BASE);
    AgentConfig next = load("b.yaml", BASE.replace("lease: 3s", "lease: 4s"));

    assertThatThrownBy(() -> ConfigChanges.between(running, next)).isInstanceOfSatisfying(ConfigException.class, e ->
        assertThat(e.problems()).extracting(ConfigProblem::keyPath).containsExactly("timing.lease"));
  }
}
