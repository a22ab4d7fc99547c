package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;
  ConfigFiles files;

  @BeforeEach
  void setUp() {
    files = new ConfigFiles(dir);
  }

  @Test
  void fullConfigLoadsWithEveryField() throws IOException {
    Path app = Files.createDirectories(dir.resolve("opt/app"));
    Path password = Files.writeString(dir.resolve("pw"), "secret\n");
    Path db = dir.resolve("data/billing.db");
    AgentConfig config = files.load("""
        group: billing
        node:
          name: node-a
          location: eu/paris/rack-1
        api:
          listen: 0.0.0.0:7171
        store: sqlite:%s
        store-password-file: %s
        timing:
          heartbeat: 200ms
          lease: 2s
          fence-margin: 600ms
        state-dir: %s
        services:
          mail-sender:
            command: [/opt/app/bin/mail, "1.50", 0123]
          folder-monitor:
            command: [/opt/app/bin/folder-monitor, --watch, /data/in]
            env: {LOG_LEVEL: info, RATIO: 1.50, EMPTY: ""}
            workdir: %s
            stop-timeout: 1.5s
        """.formatted(db, password, dir.resolve("state/node-a"), app));

    assertThat(config.file()).isEqualTo(dir.resolve("node.yaml"));
    assertThat(config.group()).isEqualTo(GroupName.of("billing"));
    assertThat(config.node()).isEqualTo(NodeName.of("node-a"));
    assertThat(config.location()).isEqualTo(Location.parse("eu/paris/rack-1"));
    assertThat(config.api()).isEqualTo(new ApiListen("0.0.0.0", 7171));
    assertThat(config.api()).hasToString("0.0.0.0:7171");
    assertThat(config.store()).isEqualTo("sqlite:" + db);
    assertThat(config.storePasswordFile()).isEqualTo(password);
    assertThat(config.timing()).isEqualTo(
        new Timing(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMillis(600)));
    assertThat(config.stateDir()).isEqualTo(dir.resolve("state/node-a"));
    assertThat(config.services().keySet()).containsExactly(
        ServiceName.of("folder-monitor"), ServiceName.of("mail-sender"));
    assertThat(config.services().get(ServiceName.of("folder-monitor"))).isEqualTo(new ServiceConfig(
        ServiceName.of("folder-monitor"), List.of("/opt/app/bin/folder-monitor", "--watch", "/data/in"),
        Map.of("LOG_LEVEL", "info", "RATIO", "1.50", "EMPTY", ""), app, Duration.ofMillis(1500)));
    assertThat(config.services().get(ServiceName.of("mail-sender")).command())
        .as("scalars keep the text as written")
        .containsExactly("/opt/app/bin/mail", "1.50", "0123");
  }

  @Test
  void minimalConfigGetsTheDefaults() {
    AgentConfig config = files.load("""
        group: billing
        services:
          folder-monitor:
            command: [/opt/app/bin/folder-monitor]
        """);

    assertThat(config.node()).isEqualTo(NodeName.of("test-host"));
    assertThat(config.location()).isEqualTo(Location.ROOT);
    assertThat(config.api()).isEqualTo(new ApiListen("127.0.0.1", 7070));
    assertThat(config.store()).isEqualTo("sqlite:/var/lib/baton/billing.db");
    assertThat(config.storePasswordFile()).isNull();
    assertThat(config.timing()).isEqualTo(
        new Timing(Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(1)));
    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/baton/test-host"));
    ServiceConfig service = config.services().get(ServiceName.of("folder-monitor"));
    assertThat(service.env()).isEmpty();
    assertThat(service.workdir()).isNull();
    assertThat(service.stopTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theGuardianIsOnByDefaultAndGuardianFalseTurnsItOff() {
    assertThat(files.load("group: billing\n").guardian()).isTrue();
    assertThat(files.load("group: billing\nguardian: true\n").guardian()).isTrue();
    assertThat(files.load("group: billing\nguardian: false\n").guardian()).isFalse();
    assertThat(files.load("group: billing\n").containment()).isEqualTo(Containment.AUTO);
    assertThat(files.load("group: billing\ncontainment: pid-namespace\n").containment())
        .isEqualTo(Containment.PID_NAMESPACE);
    assertThat(files.load("group: billing\ncontainment: process-group\n").containment())
        .isEqualTo(Containment.PROCESS_GROUP);
  }

  @Test
  void serviceLogsRotateAtTenMegabytesKeepingThreeByDefaultAndTakeSizesWithUnits() {
    assertThat(files.load("group: billing\n").serviceLogs()).isEqualTo(new ServiceLogs(10L << 20, 3));
    assertThat(files.load("group: billing\nservice-logs: {max-size: 512KB, keep: 0}\n").serviceLogs())
        .isEqualTo(new ServiceLogs(512L << 10, 0));
    assertThat(files.load("group: billing\nservice-logs: {max-size: 2GiB}\n").serviceLogs())
        .isEqualTo(new ServiceLogs(2L << 30, 3));
    assertThat(files.load("group: billing\nservice-logs: {max-size: 4096}\n").serviceLogs().maxBytes()).isEqualTo(4096);
  }

  @Test
  void nodeNameDefaultsToTheHostNameLowercasedUpToTheFirstDot() {
    AgentConfig config = ConfigLoader.load(files.write("group: billing\n"), () -> "Web-01.Example.COM");

    assertThat(config.node()).isEqualTo(NodeName.of("web-01"));
    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/baton/web-01"));
  }

  @Test
  void fenceMarginDefaultsToAThirdOfTheLease() {
    AgentConfig config = files.load("""
        group: billing
        timing: {heartbeat: 200ms, lease: 1s}
        """);

    assertThat(config.timing().fenceMargin()).isEqualTo(Duration.ofMillis(333));
  }

  @Test
  void nodeWithoutServicesIsValid() {
    assertThat(files.load("group: billing\nservices: {}\n").services()).isEmpty();
    assertThat(files.load("group: billing\nservices:\n").services()).isEmpty();
  }

  @Test
  void apiMayListenOnAnyFreePortAndOnIpv6() {
    assertThat(files.load("group: g\napi: {listen: 127.0.0.1:0}\n").api().port()).isZero();
    ApiListen v6 = files.load("group: g\napi: {listen: \"[::1]:7070\"}\n").api();
    assertThat(v6).isEqualTo(new ApiListen("::1", 7070));
    assertThat(v6).hasToString("[::1]:7070");
  }

  @Test
  void relativePathsResolveAgainstTheConfigFilesDirectory() throws IOException {
    Path confDir = dir.resolve("etc/baton");
    Files.createDirectories(confDir.resolve("app"));
    Files.writeString(confDir.resolve("pw"), "secret");
    Path file = files.write("etc/baton/node-a.yaml", """
        group: billing
        node: {name: node-a}
        store: sqlite:../../data/billing.db
        store-password-file: pw
        state-dir: state/node-a
        services:
          folder-monitor:
            command: [bin/folder-monitor]
            workdir: app
        """);

    AgentConfig config = ConfigLoader.load(file, () -> "test-host");

    assertThat(config.file()).isEqualTo(file);
    assertThat(config.store()).isEqualTo("sqlite:" + dir.resolve("data/billing.db"));
    assertThat(config.storePasswordFile()).isEqualTo(confDir.resolve("pw"));
    assertThat(config.stateDir()).isEqualTo(confDir.resolve("state/node-a"));
    assertThat(config.services().get(ServiceName.of("folder-monitor")).workdir()).isEqualTo(confDir.resolve("app"));
    assertThat(config.services().get(ServiceName.of("folder-monitor")).command())
        .as("the command is run as written, not resolved")
        .containsExactly("bin/folder-monitor");
  }

  @Test
  void configLoadedFromARelativeFileNameHasAnAbsoluteFile() {
    Path file = files.write("group: billing\n");
    Path relative = Path.of("").toAbsolutePath().relativize(file);

    assertThat(ConfigLoader.load(relative, () -> "test-host").file()).isEqualTo(file);
  }

  @Test
  void theConfigIsImmutable() {
    AgentConfig config = files.load("""
        group: billing
        services:
          folder-monitor:
            command: [/bin/true]
            env: {A: b}
        """);
    ServiceConfig service = config.services().get(ServiceName.of("folder-monitor"));

    assertThatThrownBy(() -> config.services().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> service.command().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> service.env().put("C", "d")).isInstanceOf(UnsupportedOperationException.class);
  }
}
