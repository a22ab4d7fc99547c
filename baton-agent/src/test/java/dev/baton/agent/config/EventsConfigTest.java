package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.ServiceName;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The events, rules and services.X.on keys: read when good, one clear problem per kind of bad input. */
class EventsConfigTest {
  @TempDir Path dir;
  ConfigFiles files;

  static final String BASE = """
      group: billing
      node: {name: node-a}
      services:
        web:
          command: [/bin/web]
      """;

  @BeforeEach
  void setUp() {
    files = new ConfigFiles(dir);
  }

  @Test
  void eventsRulesAndServiceActionsAreRead() {
    AgentConfig c = files.load("""
        group: billing
        node: {name: node-a}
        services:
          web:
            command: [/bin/web]
            on:
              failed: [/usr/local/bin/page-oncall, --service]
        events:
          webhooks:
            - url: http://127.0.0.1:9000/hook
              types: [service.failed, node.lost]
              timeout: 3s
              retries: 5
            - url: https://hooks.example.com/baton
        rules:
          - when: {condition: disk-full, service: web}
            then: failover
          - when: {condition: cleanup-needed}
            then: run
            run: [/usr/local/bin/cleanup]
        """);

    assertThat(c.services().get(ServiceName.of("web")).on())
        .isEqualTo(Map.of("failed", List.of("/usr/local/bin/page-oncall", "--service")));
    assertThat(c.events().webhooks()).containsExactly(
        new WebhookConfig(URI.create("http://127.0.0.1:9000/hook"), Set.of("service.failed", "node.lost"),
            Duration.ofSeconds(3), 5),
        new WebhookConfig(URI.create("https://hooks.example.com/baton"), Set.of(), Duration.ofSeconds(2), 3));
    assertThat(c.rules()).containsExactly(
        new RuleConfig("disk-full", ServiceName.of("web"), RuleConfig.Action.FAILOVER, List.of()),
        new RuleConfig("cleanup-needed", null, RuleConfig.Action.RUN, List.of("/usr/local/bin/cleanup")));
  }

  @Test
  void withoutTheKeysThereAreNoWebhooksRulesOrActions() {
    AgentConfig c = files.load(BASE);
    assertThat(c.events()).isEqualTo(EventsConfig.NONE);
    assertThat(c.rules()).isEmpty();
    assertThat(c.services().get(ServiceName.of("web")).on()).isEmpty();
  }

  @Test
  void aWebhookUrlThatIsNotHttpIsReported() {
    assertThat(files.reject(BASE + "events:\n  webhooks:\n    - url: ftp://x/hook\n    - url: not a url\n    - {types: [node.lost]}\n"))
        .hasMessageContaining(files.at("events.webhooks[0].url") + "\"ftp://x/hook\" is not a usable URL; expected an"
            + " absolute http or https URL")
        .hasMessageContaining(files.at("events.webhooks[1].url") + "\"not a url\" is not a usable URL")
        .hasMessageContaining(files.at("events.webhooks[2].url") + "missing; expected an http(s) URL");
  }

  @Test
  void anUnknownEventTypeOfAWebhookIsReportedWithTheClosestOne() {
    assertThat(files.reject(BASE + "events:\n  webhooks:\n    - url: http://h:1/x\n      types: [service.faild]\n"))
        .hasMessageContaining(files.at("events.webhooks[0].types[0]") + "unknown event type \"service.faild\";"
            + " expected service.failed or another of node.joined,");
  }

  @Test
  void badWebhookTimeoutsAndRetriesAreReported() {
    assertThat(files.reject(BASE + "events:\n  webhooks:\n    - url: http://h:1/x\n      timeout: soon\n      retries: -1\n"
            + "    - url: http://h:1/y\n      timeout: 0s\n      retries: 11\n    - url: http://h:1/z\n      retries: many\n"))
        .hasMessageContaining(files.at("events.webhooks[0].timeout") + "invalid duration \"soon\"")
        .hasMessageContaining(files.at("events.webhooks[0].retries") + "\"-1\" is not valid; expected a number of"
            + " retries from 0 to 10")
        .hasMessageContaining(files.at("events.webhooks[1].timeout") + "\"0s\" must be more than 0")
        .hasMessageContaining(files.at("events.webhooks[1].retries") + "\"11\" is not valid")
        .hasMessageContaining(files.at("events.webhooks[2].retries") + "\"many\" is not valid");
  }

  @Test
  void unknownEventsKeysAreReportedWithTheClosestKnownKey() {
    assertThat(files.reject(BASE + "events:\n  webhook: []\n"))
        .hasMessageContaining(files.at("events.webhook") + "unknown key; did you mean webhooks?");
  }

  @Test
  void anUnknownRuleActionIsReportedWithTheKnownOnes() {
    assertThat(files.reject(BASE + "rules:\n  - when: {condition: disk-full}\n    then: reboot\n"))
        .hasMessage(files.at("rules[0].then") + "unknown action \"reboot\"; expected one of restart, failover,"
            + " disable, drain-node, run");
  }

  @Test
  void aRunRuleWithoutACommandAndACommandWithAnotherActionAreReported() {
    assertThat(files.reject(BASE + "rules:\n  - when: {condition: a}\n    then: run\n"
            + "  - when: {condition: b}\n    then: disable\n    run: [/bin/x]\n  - when: {condition: c}\n    then: run\n    run: []\n"))
        .hasMessageContaining(files.at("rules[0].run") + "missing; then: run needs the program and its arguments")
        .hasMessageContaining(files.at("rules[1].run") + "goes only with then: run (this rule has then: disable)")
        .hasMessageContaining(files.at("rules[2].run") + "is an empty list");
  }

  @Test
  void aRuleWithoutWhenOrWithABadConditionOrServiceIsReported() {
    assertThat(files.reject(BASE + "rules:\n  - then: failover\n  - when: {condition: Disk Full}\n    then: failover\n"
            + "  - when: {condition: x, service: api}\n    then: restart\n  - when: {service: web}\n    then: restart\n"
            + "  - when: {condition: y}\n"))
        .hasMessageContaining(files.at("rules[0].when") + "missing; expected {condition: NAME}")
        .hasMessageContaining(files.at("rules[1].when.condition") + "invalid condition name \"Disk Full\"")
        .hasMessageContaining(files.at("rules[2].when.service") + "\"api\" is not a service of this node; expected one of [web]")
        .hasMessageContaining(files.at("rules[3].when.condition") + "missing; expected a condition name")
        .hasMessageContaining(files.at("rules[4].then") + "missing; expected one of restart, failover");
  }

  @Test
  void anUnknownEventKeyInOnIsReportedWithTheServiceEvents() {
    assertThat(files.reject(BASE.replace("command: [/bin/web]", "command: [/bin/web]\n    on:\n      fail: [/bin/page]\n"
            + "      node.lost: [/bin/page]\n      started: /bin/page")))
        .hasMessageContaining(files.at("services.web.on.fail") + "\"fail\" is not an event of a service; expected"
            + " failed or another of claimed, started, stopped, released, failed, restarted, banned, cleared")
        .hasMessageContaining(files.at("services.web.on.node.lost") + "\"node.lost\" is not an event of a service")
        .hasMessageContaining(files.at("services.web.on.started") + "expected the program and its arguments as a list");
  }

  @Test
  void theNodesOwnOnCommandsAreReadPerEventType() {
    AgentConfig c = files.load(BASE + "on:\n  node.lost: [/usr/local/bin/page-oncall, lost]\n"
        + "  node.fenced: [/usr/local/bin/cleanup]\n  service.failed: [/usr/local/bin/page-oncall, failed]\n");
    assertThat(c.events().on()).isEqualTo(Map.of(
        "node.lost", List.of("/usr/local/bin/page-oncall", "lost"),
        "node.fenced", List.of("/usr/local/bin/cleanup"),
        "service.failed", List.of("/usr/local/bin/page-oncall", "failed")));
    assertThat(files.load(BASE).events().on()).isEmpty();
  }

  @Test
  void anOnKeyThatIsNotANodeEventIsReportedWithTheEventsThatRunACommand() {
    assertThat(files.reject(BASE + "on:\n  node.lots: [/bin/page]\n  service.started: [/bin/page]\n"
            + "  node.joined: [/bin/page]\n  node.fenced: /bin/page\n  service.failed: []\n"))
        .hasMessageContaining(files.at("on.node.lots") + "\"node.lots\" is not an event type; expected node.lost or"
            + " another of node.lost, node.fenced, service.failed")
        .hasMessageContaining(files.at("on.service.started") + "\"service.started\" runs per service: put it under"
            + " services.<name>.on as started; expected one of node.lost, node.fenced, service.failed")
        .hasMessageContaining(files.at("on.node.joined") + "\"node.joined\" is not one of the events that run a node's"
            + " command")
        .hasMessageContaining(files.at("on.node.fenced") + "expected the program and its arguments as a list")
        .hasMessageContaining(files.at("on.service.failed") + "is an empty list");
    assertThat(files.reject(BASE + "on: [/bin/page]\n")).hasMessageContaining(files.at("on")
        + "expected a mapping from an event (node.lost, node.fenced, service.failed) to a command");
  }
}
