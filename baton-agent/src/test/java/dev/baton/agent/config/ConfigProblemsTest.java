package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.ServiceName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per kind of bad input: the message names the file, the key path and what is expected. */
class ConfigProblemsTest {
  @TempDir Path dir;
  ConfigFiles files;

  @BeforeEach
  void setUp() {
    files = new ConfigFiles(dir);
  }

  @Test
  void missingFileIsReported() {
    Path file = dir.resolve("absent.yaml");

    ConfigException e = files.reject(file);

    assertThat(e.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo(file);
      assertThat(p.keyPath()).isEmpty();
    });
    assertThat(e).hasMessage(file + ": cannot read: no such file; expected a YAML config file");
  }

  @Test
  void aGuardianThatIsNotABooleanIsReportedWithTheKeyAndTheChoices() {
    ConfigException e = files.reject("""
        group: billing
        guardian: yes
        """);

    assertThat(e).hasMessage(files.at("guardian") + "\"yes\" is not a boolean; expected true or false"
        + " (whether a guardian process runs beside the agent; default true)");
  }

  @Test
  void aGuardianWithoutAValueIsReported() {
    assertThat(files.reject("group: billing\nguardian:\n")).hasMessage(files.at("guardian")
        + "has no value; expected true or false (whether a guardian process runs beside the agent; default true)");
  }

  @Test
  void aContainmentThatIsNotOneOfTheChoicesIsReportedWithTheKeyAndTheChoices() {
    assertThat(files.reject("group: billing\ncontainment: cgroup\n")).hasMessage(files.at("containment")
        + "\"cgroup\" is not a containment; expected auto, pid-namespace or process-group (how each service's"
        + " processes are held together; default auto)");
  }

  @Test
  void serviceLogSizesAndCountsThatAreNotValidAreReportedWithTheKey() {
    assertThat(files.reject("group: billing\nservice-logs: {max-size: 10XB}\n")).hasMessage(files.at("service-logs.max-size")
        + "\"10XB\" is not a size; expected a number with an optional unit, such as 512KB, 10MB or 1GB");
    assertThat(files.reject("group: billing\nservice-logs: {max-size: 100}\n")).hasMessage(files.at("service-logs.max-size")
        + "\"100\" is too small; expected a size of at least 1KB, such as 512KB, 10MB or 1GB (KB, MB, GB are powers of 1024)");
    assertThat(files.reject("group: billing\nservice-logs: {keep: -1}\n")).hasMessage(files.at("service-logs.keep")
        + "\"-1\" is not valid; expected how many rotated logs to keep, 0 to 100");
    assertThat(files.reject("group: billing\nservice-logs: {max-files: 3}\n").getMessage())
        .contains("service-logs.max-files").contains("unknown key");
  }

  @Test
  void directoryInsteadOfAFileIsReported() throws IOException {
    Path file = Files.createDirectory(dir.resolve("conf.d"));

    assertThat(files.reject(file)).hasMessage(file + ": is a directory; expected a YAML config file");
  }

  @Test
  void fileThatIsNotYamlIsReportedWithLineAndColumn() {
    ConfigException e = files.reject("""
        group: billing
        node:
          name: node-a: b
        """);

    assertThat(e).hasMessageStartingWith(dir.resolve("node.yaml") + ": not valid YAML at line 3, column 15: ")
        .hasMessageContaining("mapping values are not allowed here");
    assertThat(e.getMessage()).as("one line per problem").doesNotContain("\n");
  }

  @Test
  void topLevelThatIsNotAMappingIsReported() {
    assertThat(files.reject("- group: billing\n")).hasMessage(dir.resolve("node.yaml")
        + ": expected a mapping of keys at the top level (group: billing, services: ...), got a list");
  }

  @Test
  void emptyFileIsReported() {
    assertThat(files.reject("# nothing here yet\n")).hasMessage(dir.resolve("node.yaml")
        + ": is empty; expected a mapping with at least the group (group: billing)");
  }

  @Test
  void fileWithTwoDocumentsIsReported() {
    assertThat(files.reject("group: billing\n---\ngroup: other\n")).hasMessage(dir.resolve("node.yaml")
        + ": holds more than one YAML document (another starts at line 3); expected one");
  }

  @Test
  void unknownKeyAtAnyLevelIsReportedWithTheClosestKnownKey() {
    ConfigException e = files.reject("""
        group: billing
        gropu: x
        node: {nmae: a}
        timing:
          leese: 3s
          fence_margin: 1s
        services:
          a:
            command: [x]
            stoptimeout: 5s
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("gropu") + "unknown key; did you mean group?",
        files.at("node.nmae") + "unknown key; did you mean name?",
        files.at("timing.leese") + "unknown key; did you mean lease?",
        files.at("timing.fence_margin") + "unknown key; did you mean fence-margin?",
        files.at("services.a.stoptimeout") + "unknown key; did you mean stop-timeout?");
  }

  @Test
  void unknownKeyWithNothingCloseListsTheKnownKeys() {
    assertThat(files.reject("group: billing\napi: {port: 7070}\n"))
        .hasMessage(files.at("api.port") + "unknown key; expected one of listen, advertise, token-file, insecure, tls");
  }

  @Test
  void valueOfTheWrongKindIsReported() {
    ConfigException e = files.reject("""
        group: billing
        node: [node-a]
        timing: fast
        services:
          a: [x]
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("node") + "expected a mapping of name, location, got a list",
        files.at("timing") + "expected a mapping of heartbeat, lease, fence-margin, got \"fast\"",
        files.at("services.a") + "expected a mapping with at least command (and optionally env, workdir,"
            + " stop-timeout, checks, recovery), got a list");
  }

  @Test
  void keyWithNoValueIsReportedNotDefaulted() {
    ConfigException e = files.reject("""
        group: billing
        store:
        timing:
          lease: ~
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("store") + "has no value; expected a store URL such as sqlite:/var/lib/baton/billing.db",
        files.at("timing.lease") + "has no value; expected a duration such as 500ms, 3s or 2m");
  }

  @Test
  void repeatedKeyIsReported() {
    assertThat(files.reject("group: billing\ntiming:\n  lease: 3s\n  lease: 5s\n"))
        .hasMessage(files.at("timing.lease") + "appears more than once (again at line 4); keep one");
  }

  @Test
  void yamlAliasIsReported() {
    assertThat(files.reject("group: &g billing\nnode: {name: *g}\n"))
        .hasMessage(files.at("node.name") + "YAML alias *g is not supported; write the value out");
  }

  @Test
  void missingGroupIsReported() {
    assertThat(files.reject("node: {name: node-a}\n")).hasMessage(files.at("group")
        + "missing; expected a group name: 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter"
        + " or digit");
  }

  @Test
  void invalidGroupNameIsReported() {
    assertThat(files.reject("group: Billing Team\n")).hasMessage(files.at("group")
        + "invalid group name \"Billing Team\"; expected 1-63 characters of a-z, 0-9, '.', '_' or '-',"
        + " starting with a letter or digit");
  }

  @Test
  void invalidNodeNameIsReported() {
    assertThat(files.reject("group: billing\nnode: {name: Node_A}\n"))
        .hasMessageStartingWith(files.at("node.name") + "invalid node name \"Node_A\"; expected 1-63 characters");
  }

  @Test
  void hostNameThatMakesNoValidNodeNameAsksToSetNodeName() {
    ConfigException e = files.reject(files.write("group: billing\n"), () -> "_bad!host.example.com");

    assertThat(e).hasMessageStartingWith(files.at("node.name") + "not set, and this host's name"
        + " \"_bad!host.example.com\" does not make a valid node name (\"_bad!host\"); set node.name to 1-63");
  }

  @Test
  void unreadableHostNameAsksToSetNodeName() {
    ConfigException e = files.reject(files.write("group: billing\n"), () -> {
      throw new java.net.UnknownHostException("vm: Name or service not known");
    });

    assertThat(e).hasMessageStartingWith(files.at("node.name") + "not set, and this host's name could not be read"
        + " (vm: Name or service not known); set node.name to 1-63");
  }

  @Test
  void invalidServiceNameIsReported() {
    assertThat(files.reject("group: billing\nservices:\n  Folder Monitor:\n    command: [x]\n"))
        .hasMessageStartingWith(files.at("services.Folder Monitor")
            + "invalid service name \"Folder Monitor\"; expected 1-63 characters");
  }

  @Test
  void invalidLocationIsReported() {
    assertThat(files.reject("group: billing\nnode: {location: eu//rack-1}\n"))
        .hasMessageStartingWith(files.at("node.location")
            + "invalid location \"eu//rack-1\": segment \"\" must be 1-63 characters");
  }

  @Test
  void apiListenThatIsNotHostAndPortIsReported() {
    assertThat(files.reject("group: billing\napi: {listen: 7070}\n")).hasMessage(files.at("api.listen")
        + "\"7070\" is not host:port; expected host:port with a port from 0 to 65535 (0 = any free port),"
        + " e.g. 127.0.0.1:7070, 0.0.0.0:7070 or [::1]:7070");
  }

  @Test
  void apiPortOutOfRangeIsReported() {
    assertThat(files.reject("group: billing\napi: {listen: \"localhost:70700\"}\n"))
        .hasMessage(files.at("api.listen")
            + "port 70700 in \"localhost:70700\" is out of range; expected 0 to 65535 (0 = any free port)");
  }

  @Test
  void apiPortThatIsNotANumberIsReported() {
    assertThat(files.reject("group: billing\napi: {listen: \"localhost:http\"}\n"))
        .hasMessageStartingWith(files.at("api.listen") + "port \"http\" in \"localhost:http\" is not a number;"
            + " expected host:port");
  }

  @Test
  void storeUrlNoProviderHandlesIsReported() {
    assertThat(files.reject("group: billing\nstore: redis://localhost:6379\n")).hasMessage(files.at("store")
        + "no store handles \"redis://localhost:6379\"; expected sqlite:/path/to/file.db,"
        + " postgresql://user@host:port/db, zookeeper://host:port,.../chroot"
        + " or pair://PEER_HOST:PORT (a hot-backup pair, with a pair: section)");
  }

  @Test
  void storeUrlItsProviderRejectsIsReported() {
    assertThat(files.reject("group: billing\nstore: \"sqlite:.\"\n")).hasMessage(files.at("store")
        + "store URL \"sqlite:" + dir + "\" names the directory " + dir + "; expected a database file in it,"
        + " such as sqlite:" + dir.resolve("baton.db"));
  }

  @Test
  void sqliteUrlWithoutAFileIsReported() {
    assertThat(files.reject("group: billing\nstore: \"sqlite:\"\n")).hasMessage(files.at("store")
        + "\"sqlite:\" names no database file; expected sqlite:/path/to/file.db (a relative path resolves"
        + " against " + dir + ")");
  }

  @Test
  void durationThatDoesNotParseIsReported() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 500}\n")).hasMessage(files.at("timing.heartbeat")
        + "invalid duration \"500\"; expected a number and a unit: ms, s, m or h (e.g. 500ms, 3s, 2m)");
  }

  @Test
  void zeroDurationIsReported() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 0ms}\n")).hasMessage(files.at("timing.heartbeat")
        + "\"0ms\" must be more than 0; expected a duration such as 500ms, 3s or 2m");
  }

  @Test
  void negativeDurationIsReported() {
    assertThat(files.reject("group: billing\ntiming: {lease: -3s}\n"))
        .hasMessage(files.at("timing.lease") + "invalid duration \"-3s\"; expected a number and a unit: ms, s, m or h"
            + " (e.g. 500ms, 3s, 2m)");
  }

  @Test
  void durationTooLargeIsReported() {
    assertThat(files.reject("group: billing\ntiming: {lease: 99999999999999999999h}\n"))
        .hasMessage(files.at("timing.lease") + "duration \"99999999999999999999h\" is too large; expected a duration"
            + " such as 500ms, 3s or 2m");
  }

  @Test
  void leaseNotLargerThanTwoHeartbeatsIsReported() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 500ms, lease: 800ms, fence-margin: 200ms}\n"))
        .hasMessage(files.at("timing.lease") + "800ms must be larger than 2 x heartbeat (500ms), so one lost renewal"
            + " does not end the session: raise timing.lease above 1s or lower timing.heartbeat");
  }

  @Test
  void fenceMarginThatLeavesNoHeartbeatBeforeSigtermIsReported() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 500ms, lease: 3s, fence-margin: 2.6s}\n"))
        .hasMessage(files.at("timing.fence-margin") + "2.6s leaves 400ms (lease - fence-margin) before a cut-off owner"
            + " sends SIGTERM, not more than one heartbeat (500ms), so a single late renewal would stop its services:"
            + " set timing.fence-margin below 2.5s or raise timing.lease above 3.1s");
  }

  @Test
  void fenceMarginTooShortForSigkillBeforeTheLeaseEndsIsReported() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 100ms, lease: 1s, fence-margin: 150ms}\n"))
        .hasMessage(files.at("timing.fence-margin") + "150ms leaves 75ms (fence-margin/2) between SIGKILL and the end"
            + " of the lease; expected at least 100ms so a killed service is gone before a peer may take over:"
            + " set timing.fence-margin to 200ms or more");
  }

  @Test
  void defaultFenceMarginThatBreaksTheRulesSaysItIsTheDefault() {
    assertThat(files.reject("group: billing\ntiming: {heartbeat: 100ms, lease: 450ms}\n"))
        .hasMessage(files.at("timing.fence-margin") + "150ms (the default, lease/3) leaves 75ms (fence-margin/2)"
            + " between SIGKILL and the end of the lease; expected at least 100ms so a killed service is gone before"
            + " a peer may take over: set timing.fence-margin to 200ms or more");
  }

  @Test
  void serviceWithoutCommandIsReported() {
    assertThat(files.reject("group: billing\nservices:\n  folder-monitor:\n    stop-timeout: 5s\n"))
        .hasMessage(files.at("services.folder-monitor.command") + "missing; expected the program and its arguments"
            + " as a list of strings, e.g. [/opt/app/bin/run, --flag]");
  }

  @Test
  void commandThatIsNotANonEmptyListOfStringsIsReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          a:
            command: /opt/app/bin/run --flag
          b:
            command: []
          c:
            command: [/opt/app/bin/run, {x: 1}, ""]
        """);

    String expected = "the program and its arguments as a list of strings, e.g. [/opt/app/bin/run, --flag]";
    assertThat(e.getMessage().lines()).containsExactly(
        files.at("services.a.command") + "expected " + expected + ", got \"/opt/app/bin/run --flag\"",
        files.at("services.b.command") + "is an empty list; expected " + expected,
        files.at("services.c.command[1]") + "expected a string (one word of the command), got a mapping",
        files.at("services.c.command[2]") + "has no value; expected a string (one word of the command)");
  }

  @Test
  void envThatIsNotAStringToStringMappingIsReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          a:
            command: [x]
            env: [LOG_LEVEL=info]
          b:
            command: [x]
            env:
              LIST: [1, 2]
              NOTHING: ~
              1BAD: x
              BATON_EPOCH: "7"
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("services.a.env") + "expected a mapping of environment variable names to strings, got a list",
        files.at("services.b.env.LIST") + "expected a string value, got a list",
        files.at("services.b.env.NOTHING") + "has no value; expected a string (write \"\" for an empty one)",
        files.at("services.b.env.1BAD") + "\"1BAD\" is not an environment variable name; expected letters, digits"
            + " and _, not starting with a digit",
        files.at("services.b.env.BATON_EPOCH") + "BATON_* variables are set by Baton itself (BATON_GROUP,"
            + " BATON_NODE, BATON_SERVICE, BATON_EPOCH, BATON_API); choose another name");
  }

  @Test
  void workdirThatIsNotAnExistingDirectoryIsReported() throws IOException {
    Files.writeString(dir.resolve("a-file"), "x");
    ConfigException e = files.reject("""
        group: billing
        services:
          a:
            command: [x]
            workdir: missing-dir
          b:
            command: [x]
            workdir: a-file
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("services.a.workdir") + "\"missing-dir\" (" + dir.resolve("missing-dir")
            + ") is not an existing directory; expected the directory the command starts in",
        files.at("services.b.workdir") + "\"a-file\" (" + dir.resolve("a-file")
            + ") is not an existing directory; expected the directory the command starts in");
  }

  @Test
  void badStopTimeoutIsReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          a:
            command: [x]
            stop-timeout: 10
          b:
            command: [x]
            stop-timeout: 0s
        """);

    assertThat(e.getMessage().lines()).containsExactly(
        files.at("services.a.stop-timeout") + "invalid duration \"10\"; expected a number and a unit: ms, s, m or h"
            + " (e.g. 500ms, 3s, 2m)",
        files.at("services.b.stop-timeout") + "\"0s\" must be more than 0; expected a duration such as 500ms, 3s or 2m");
  }

  @Test
  void passwordFileThatCannotBeReadIsReported() {
    assertThat(files.reject("group: billing\nstore-password-file: secrets/pw\n"))
        .hasMessage(files.at("store-password-file") + "\"secrets/pw\" (" + dir.resolve("secrets/pw")
            + ") is not a readable file; expected the path of a file holding the store password");
  }

  @Test
  void stateDirThatIsAFileIsReported() throws IOException {
    Files.writeString(dir.resolve("state"), "x");

    assertThat(files.reject("group: billing\nstate-dir: state\n"))
        .hasMessage(files.at("state-dir") + "\"state\" (" + dir.resolve("state") + ") exists and is not a directory;"
            + " expected a directory for the agent's logs and state");
  }

  @Test
  void everyProblemInOneFileIsReportedNotOnlyTheFirst() {
    ConfigException e = files.reject("""
        group: Billing
        node:
          name: node-a
          location: /eu
        api:
          listen: localhost
        timing:
          heartbeat: fast
          leese: 3s
        services:
          folder-monitor:
            command: run
            stop-timeout: 0s
          Bad:
            command: [x]
        """);

    assertThat(e.problems()).extracting(ConfigProblem::keyPath).containsExactly(
        "group",
        "node.location",
        "api.listen",
        "timing.leese",
        "timing.heartbeat",
        "services.folder-monitor.command",
        "services.folder-monitor.stop-timeout",
        "services.Bad");
    assertThat(e.problems()).allSatisfy(p -> assertThat(p.file()).isEqualTo(dir.resolve("node.yaml")));
    assertThat(e.getMessage().lines()).hasSize(8);
  }

  // ---- health checks and recovery

  @Test
  void aCheckWithoutAKnownKindIsReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          web:
            command: [run]
            checks:
              - {name: a}
              - {kind: ping}
        """);
    assertThat(e.getMessage()).contains(files.at("services.web.checks[0].kind") + "missing; expected exec, http, tcp or ttl")
        .contains(files.at("services.web.checks[1].kind") + "\"ping\" is not a kind of check; expected exec, http, tcp or ttl");
  }

  @Test
  void aCheckMissingWhatItsKindNeedsOrHoldingAnotherKindsKeyIsReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          web:
            command: [run]
            checks:
              - {kind: http}
              - {kind: exec, command: [true], url: 'http://x/'}
              - {kind: tcp, address: 'localhost'}
              - {kind: http, url: 'ftp://x/'}
        """);
    assertThat(e.getMessage()).contains(files.at("services.web.checks[0].url") + "missing; a http check needs a url")
        .contains(files.at("services.web.checks[1].url") + "is for http checks; this one is exec (it takes command)")
        .contains(files.at("services.web.checks[2].address"))
        .contains(files.at("services.web.checks[3].url") + "\"ftp://x/\" is not a usable URL; expected an absolute http or https URL");
  }

  @Test
  void badCheckTimingsAndCountsAreReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          web:
            command: [run]
            checks:
              - {name: slow, kind: exec, command: [true], interval: 1s, timeout: 2s, failures: 0}
              - {name: slow, kind: ttl, ttl: 5s, standby: true}
              - {name: ok, kind: exec, command: [true]}
              - {name: ok, kind: exec, command: [true]}
        """);
    assertThat(e.getMessage()).contains(files.at("services.web.checks[0].timeout") + "2s is longer than the interval (1s)")
        .contains(files.at("services.web.checks[0].failures") + "\"0\" is not valid; expected a whole number of at least 1")
        .contains(files.at("services.web.checks[1].standby") + "a ttl check cannot run while the service is not running")
        .contains(files.at("services.web.checks[3].name") + "\"ok\" is the name of an earlier check");
  }

  @Test
  void badRecoverySettingsAreReported() {
    ConfigException e = files.reject("""
        group: billing
        services:
          web:
            command: [run]
            recovery: {restarts: -1, backoff: 30s..1s, ban: forever, windw: 1m}
        """);
    assertThat(e.getMessage()).contains(files.at("services.web.recovery.restarts") + "\"-1\" is not valid; expected a whole number of restarts")
        .contains(files.at("services.web.recovery.backoff") + "\"30s..1s\" is not MIN..MAX with MIN <= MAX")
        .contains(files.at("services.web.recovery.ban") + "invalid duration \"forever\"")
        .contains(files.at("services.web.recovery.windw") + "unknown key; did you mean window?");
  }

  @Test
  void checksAndRecoveryLoadWithTheirDefaults() {
    AgentConfig c = files.load("""
        group: billing
        services:
          web:
            command: [run]
            checks:
              - {kind: tcp, address: '127.0.0.1:5432'}
              - {kind: ttl, ttl: 4s}
            recovery: {restarts: 5, backoff: 2s}
        """);
    ServiceConfig web = c.services().values().iterator().next();
    assertThat(web.checks()).extracting(CheckConfig::name).containsExactly("tcp-1", "ttl-2");
    assertThat(web.checks().get(0).failures()).isEqualTo(3);
    assertThat(web.checks().get(1).failures()).isEqualTo(1);
    assertThat(web.checks().get(1).interval()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(web.recovery().restarts()).isEqualTo(5);
    assertThat(web.recovery().backoff(3)).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(web.recovery().ban()).isEqualTo(RecoveryConfig.DEFAULT.ban());
  }

  @Test
  void aDefaultRankThatIsNotAWholeNumberFromOneUpIsReportedWithTheKey() {
    String expected = "; expected a whole number from 1 (the most preferred owner) up, the default rank of this node"
        + " for the service";
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], rank: 0}\n"))
        .hasMessage(files.at("services.a.rank") + "\"0\" is not valid" + expected);
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], rank: first}\n"))
        .hasMessage(files.at("services.a.rank") + "\"first\" is not valid" + expected);
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], rank: -2}\n"))
        .hasMessage(files.at("services.a.rank") + "\"-2\" is not valid" + expected);
  }

  @Test
  void anEndpointThatIsNotHostAndPortFromOneTo65535IsReportedWithTheKey() {
    String at = files.at("services.a.endpoint");
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], endpoint: 'db.example:0'}\n"))
        .hasMessage(at + "port 0 is no address clients can use; expected the port the service listens on (1 to 65535)");
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], endpoint: 'db.example:70000'}\n"))
        .hasMessage(at + "port 70000 in \"db.example:70000\" is out of range; expected 0 to 65535 (0 = any free port)");
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], endpoint: db.example}\n").getMessage())
        .startsWith(at + "\"db.example\" is not host:port");
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], endpoint: [a, b]}\n").getMessage())
        .startsWith(at).contains("host:port where clients reach the service on this node");
  }

  @Test
  void anEndpointIsKeptAsHostAndPort() {
    assertThat(files.load("group: billing\nservices:\n  a: {command: [x], endpoint: '10.0.0.5:8080'}\n"
        + "  b: {command: [x], endpoint: '[::1]:443'}\n  c: {command: [x]}\n").services().values())
        .extracting(ServiceConfig::endpoint).containsExactly("10.0.0.5:8080", "[::1]:443", null);
  }

  @Test
  void instancesThatAreNotAllOrOneTo64AreReportedWithTheKey() {
    String expected = "; expected all (one instance on every node that provides the service) or a whole number of"
        + " instances from 1 to 64";
    for (String bad : new String[] {"0", "-1", "foo", "65", "1000", "2.5", "ALL"}) {
      assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], instances: '" + bad + "'}\n"))
          .hasMessage(files.at("services.a.instances") + "\"" + bad + "\" is not valid" + expected);
    }
    assertThat(files.reject("group: billing\nservices:\n  a: {command: [x], instances: [1, 2]}\n").getMessage())
        .startsWith(files.at("services.a.instances")).contains(expected.substring(2));
  }

  @Test
  void aConfiguredServiceNameWithAnAtIsReported() {
    assertThat(files.reject("group: billing\nservices:\n  a@1: {command: [x]}\n").getMessage())
        .startsWith(files.at("services.a@1") + "\"a@1\" names an instance")
        .contains("set instances under the service");
  }

  @Test
  void aServiceWithInstancesStandsForItsInstancesEachWithItsSettings() {
    var numbered = files.load("group: billing\nnode: {name: node-a}\nservices:\n"
        + "  web: {command: [x], rank: 2, instances: 3}\n  db: {command: [y]}\n").services();
    assertThat(numbered.keySet()).extracting(ServiceName::value).containsExactly("db", "web@1", "web@2", "web@3");
    assertThat(numbered.get(ServiceName.of("web@2")).name()).isEqualTo(ServiceName.of("web@2"));
    assertThat(numbered.get(ServiceName.of("web@2")).command()).containsExactly("x");
    assertThat(numbered.get(ServiceName.of("web@2")).rank()).isEqualTo(2);
    var everywhere = files.load("group: billing\nnode: {name: node-a}\nservices:\n  web: {command: [x], instances: all}\n")
        .services();
    assertThat(everywhere.keySet()).extracting(ServiceName::value).containsExactly("web@node-a");
  }
}
