package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.NopStatusListener;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** LogConfigurator: the same log as the logback.xml and logback-json.xml it replaced. */
class LogConfiguratorTest {
  /** baton-cli's src/main/resources/logback.xml before LogConfigurator replaced it. */
  static final String TEXT_XML = """
      <configuration>
        <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %msg%n%ex{short}</pattern></encoder>
        </appender>
        <logger name="dev.baton" level="${BATON_LOG_LEVEL:-INFO}"/>
        <logger name="org.apache.zookeeper" level="ERROR"/>
        <logger name="org.apache.curator" level="ERROR"/>
        <root level="WARN"><appender-ref ref="OUT"/></root>
      </configuration>
      """;
  /** And logback-json.xml, which Main chose for BATON_LOG_FORMAT=json. */
  static final String JSON_XML = """
      <configuration>
        <statusListener class="ch.qos.logback.core.status.NopStatusListener"/>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder class="ch.qos.logback.classic.encoder.JsonEncoder">
            <withSequenceNumber>false</withSequenceNumber>
            <withNanoseconds>false</withNanoseconds>
            <withContext>false</withContext>
            <withMDC>false</withMDC>
            <withArguments>false</withArguments>
            <withKVPList>false</withKVPList>
            <withFormattedMessage>true</withFormattedMessage>
          </encoder>
        </appender>
        <logger name="dev.baton" level="${BATON_LOG_LEVEL:-INFO}"/>
        <logger name="org.apache.zookeeper" level="ERROR"/>
        <logger name="org.apache.curator" level="ERROR"/>
        <root level="WARN"><appender-ref ref="OUT"/></root>
      </configuration>
      """;
  static final List<String> LOGGERS = List.of("dev.baton", "dev.baton.agent.Agent", "dev.baton.cli.Main",
      "org.apache.zookeeper", "org.apache.zookeeper.ClientCnxn", "org.apache.curator.framework.CuratorFramework",
      "org.eclipse.jetty.server.Server", "com.zaxxer.hikari", Logger.ROOT_LOGGER_NAME);

  final Map<String, String> env = new HashMap<>();
  final Map<String, String> properties = new HashMap<>();
  final Map<String, URL> resources = new HashMap<>();

  /** A context as Logback's SLF4J provider makes it (with an MDC adapter), then configured. */
  static LoggerContext fresh() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter());
    return context;
  }

  LoggerContext configured() {
    LoggerContext context = fresh();
    LogConfigurator configurator = new LogConfigurator(properties::get, env::get, resources::get);
    configurator.setContext(context);
    assertThat(configurator.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    return context;
  }

  static LoggerContext fromXml(String xml, String batonLogLevel) throws Exception {
    LoggerContext context = fresh();
    if (batonLogLevel != null) {
      context.putProperty("BATON_LOG_LEVEL", batonLogLevel); // as if from the environment
    }
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    joran.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    return context;
  }

  /** What the context's console appender writes for these events. */
  static String written(LoggerContext context, List<ILoggingEvent> events) {
    ConsoleAppender<ILoggingEvent> out = console(context);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ILoggingEvent event : events) {
      bytes.writeBytes(out.getEncoder().encode(event));
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  static ConsoleAppender<ILoggingEvent> console(LoggerContext context) {
    return (ConsoleAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("OUT");
  }

  static List<ILoggingEvent> events(LoggerContext context) {
    return List.of(event(context, "dev.baton.agent.Agent", Level.INFO, "[node=a] joined the group \"g\"", null),
        event(context, "org.eclipse.jetty.server.Server", Level.WARN, "a\tline\nand a second", null),
        event(context, "dev.baton.agent.store.Store", Level.ERROR, "cannot renew {}",
            new IllegalStateException("the lease", new IOException("disk full")), "node-a"));
  }

  static LoggingEvent event(LoggerContext context, String logger, Level level, String message, Throwable thrown,
      Object... arguments) {
    LoggingEvent event = new LoggingEvent(LogConfiguratorTest.class.getName(), context.getLogger(logger), level,
        message, thrown, arguments);
    event.setTimeStamp(1_796_000_000_123L);
    event.setThreadName("main");
    return event;
  }

  static Map<String, Level> levels(LoggerContext context) {
    Map<String, Level> levels = new HashMap<>();
    LOGGERS.forEach(name -> levels.put(name, context.getLogger(name).getEffectiveLevel()));
    return levels;
  }

  @Test
  void theTextLogIsTheOneLogbackXmlWroteToStdout() throws Exception {
    LoggerContext ours = configured();
    LoggerContext xml = fromXml(TEXT_XML, null);

    List<ILoggingEvent> events = events(ours);
    assertThat(written(ours, events)).isEqualTo(written(xml, events))
        .matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.123(Z|[+-]\\d\\d:\\d\\d) INFO  \\[node=a\\] joined.*")
        .contains(" ERROR cannot renew node-a\njava.lang.IllegalStateException: the lease\n")
        .contains("Caused by: java.io.IOException: disk full\n");
    assertThat(console(ours).getTarget()).isEqualTo("System.out");
    assertThat(levels(ours)).isEqualTo(levels(xml)).containsEntry("dev.baton.agent.Agent", Level.INFO)
        .containsEntry("org.apache.zookeeper.ClientCnxn", Level.ERROR)
        .containsEntry("org.apache.curator.framework.CuratorFramework", Level.ERROR)
        .containsEntry("org.eclipse.jetty.server.Server", Level.WARN);
    assertThat(ours.getStatusManager().getCopyOfStatusListenerList()).hasOnlyElementsOfType(NopStatusListener.class)
        .hasSize(1);
  }

  @Test
  void withBatonLogFormatJsonTheLogIsTheOneLogbackJsonXmlWrote() throws Exception {
    env.put("BATON_LOG_FORMAT", "json");
    LoggerContext ours = configured();
    LoggerContext xml = fromXml(JSON_XML, null);

    List<ILoggingEvent> events = events(ours);
    String log = written(ours, events);
    assertThat(log).isEqualTo(written(xml, events));
    assertThat(console(ours).getTarget()).isEqualTo("System.out");
    assertThat(levels(ours)).isEqualTo(levels(xml));
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = log.lines().map(line -> {
      try {
        return json.readTree(line);
      } catch (IOException e) {
        throw new AssertionError(line, e);
      }
    }).toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).path("timestamp").asLong()).isEqualTo(1_796_000_000_123L);
    assertThat(lines.get(0).path("level").asText()).isEqualTo("INFO");
    assertThat(lines.get(0).path("loggerName").asText()).isEqualTo("dev.baton.agent.Agent");
    assertThat(lines.get(0).path("message").asText()).isEqualTo("[node=a] joined the group \"g\"");
    assertThat(lines.get(2).path("throwable").path("className").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(lines).allSatisfy(line -> assertThat(line.has("sequenceNumber") || line.has("nanoseconds")
        || line.has("context") || line.has("mdc") || line.has("arguments") || line.has("kvpList")).isFalse());
  }

  @Test
  void batonLogLevelSetsDevBatonsLevelAsTheXmlDid() throws Exception {
    for (String level : List.of("TRACE", "debug", "Info", "WARN", "error", "OFF", " warn ")) {
      env.put("BATON_LOG_LEVEL", level);
      assertThat(levels(configured())).as(level).isEqualTo(levels(fromXml(TEXT_XML, level)));
    }
    env.put("BATON_LOG_LEVEL", "warn");
    properties.put("BATON_LOG_LEVEL", "trace"); // ${BATON_LOG_LEVEL} looked at the system properties first
    assertThat(configured().getLogger("dev.baton.x").getEffectiveLevel()).isEqualTo(Level.TRACE);
  }

  @Test
  void anUnknownBatonLogLevelLogsAtInfoAndSaysSo() {
    // logback.xml logged at DEBUG, silently (Level.toLevel's default); an empty value left dev.baton at WARN.
    env.put("BATON_LOG_LEVEL", "verbose");
    PrintStream stdout = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      context = configured();
      context.getLogger("dev.baton.agent.Agent").info("an info line");
      context.getLogger("dev.baton.agent.Agent").debug("a debug line");
    } finally {
      System.setOut(stdout);
    }

    assertThat(context.getLogger("dev.baton").getLevel()).isEqualTo(Level.INFO);
    assertThat(captured.toString(StandardCharsets.UTF_8).lines()).satisfiesExactly(
        line -> assertThat(line).endsWith(" WARN  BATON_LOG_LEVEL is \"verbose\"; expected one of TRACE, DEBUG, INFO,"
            + " WARN, ERROR, OFF, ALL; logging at INFO"),
        line -> assertThat(line).endsWith(" INFO  an info line"));

    for (String unset : new String[] {"", "  "}) {
      env.put("BATON_LOG_LEVEL", unset);
      assertThat(configured().getLogger("dev.baton").getLevel()).isEqualTo(Level.INFO);
    }
  }

  @Test
  void itLeavesTheConfigurationToLogbacksXmlConfiguratorWhenAFileIsNamedOrATestHasOne() throws Exception {
    properties.put("logback.configurationFile", "/etc/baton/logback.xml");
    assertStepsAside();

    properties.clear();
    resources.put("logback-test.xml", new URL("file:/x/target/test-classes/logback-test.xml"));
    assertStepsAside();
  }

  void assertStepsAside() {
    LoggerContext context = fresh();
    LogConfigurator configurator = new LogConfigurator(properties::get, env::get, resources::get);
    configurator.setContext(context);
    assertThat(configurator.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    assertThat(context.getStatusManager().getCopyOfStatusListenerList()).isEmpty();
  }

  @Test
  void logbackFindsItAsAService() {
    // This JVM's own context: configured by LogConfigurator (no logback.xml on the class path any more).
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    assertThat(console(context)).isInstanceOf(ConsoleAppender.class);
    assertThat(context.getLogger("dev.baton").getLevel()).isNotNull();
    assertThat(context.getLogger("org.apache.curator").getLevel()).isEqualTo(Level.ERROR);
    assertThat(context.getStatusManager().getCopyOfStatusListenerList()).hasAtLeastOneElementOfType(NopStatusListener.class);
  }
}
