package dev.baton.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.net.URL;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Baton's Logback configuration, in code rather than a logback.xml: Logback's XML configurator and
 * the JDK's XML parser it needs are about 600 classes an agent no longer loads (docs/performance.md,
 * "Footprint"). Logback finds it through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}
 * and, since 1.3, asks such configurators before its own (the one that reads
 * {@code -Dlogback.configurationFile}, then logback-test.xml, then logback.xml).
 *
 * <p>On the console (stdout): text, {@code 2026-12-05T18:29:18.689+01:00 INFO  message}, or with
 * {@code BATON_LOG_FORMAT=json} one JSON object a line (Logback's JsonEncoder); the guardian writes
 * the same two formats (LogLines). {@code dev.baton} at {@code BATON_LOG_LEVEL} (INFO by default),
 * ZooKeeper's and Curator's loggers at ERROR, everything else at WARN; Logback's own status
 * messages are not printed.
 *
 * <p>It steps aside, leaving the configuration to Logback's XML configurator, when
 * {@code -Dlogback.configurationFile} names the operator's own file or a logback-test.xml is on the
 * class path (a test's), so both win as they did over the logback.xml this replaces.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  /** The pattern of the text format; LogFormatIT and the guardian's LogLines expect it. */
  static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %msg%n%ex{short}";
  static final String FORMAT = "BATON_LOG_FORMAT";
  static final String LEVEL = "BATON_LOG_LEVEL";
  private static final Set<String> LEVELS = Set.of("ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  private final Function<String, String> systemProperty;
  private final Function<String, String> env;
  private final Function<String, URL> resource;

  /** The one Logback makes: the JVM's system properties, environment and class path. */
  public LogConfigurator() {
    this(System::getProperty, System::getenv, name -> LogConfigurator.class.getClassLoader().getResource(name));
  }

  /** For tests: where the settings and the class path's resources are looked up. */
  LogConfigurator(Function<String, String> systemProperty, Function<String, String> env,
      Function<String, URL> resource) {
    this.systemProperty = systemProperty;
    this.env = env;
    this.resource = resource;
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (systemProperty.apply("logback.configurationFile") != null || resource.apply("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    context.getStatusManager().add(new NopStatusListener());

    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("OUT");
    console.setEncoder("json".equals(env.apply(FORMAT)) ? json(context) : text(context));
    console.start();

    String levelSetting = setting(LEVEL);
    boolean known = levelSetting == null || levelSetting.isBlank()
        || LEVELS.contains(levelSetting.trim().toUpperCase(Locale.ROOT));
    Logger baton = context.getLogger("dev.baton");
    baton.setLevel(known ? Level.toLevel(levelSetting, Level.INFO) : Level.INFO);
    context.getLogger("org.apache.zookeeper").setLevel(Level.ERROR);
    context.getLogger("org.apache.curator").setLevel(Level.ERROR);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(console);
    if (!known) {
      context.getLogger(LogConfigurator.class).warn("{} is \"{}\"; expected one of TRACE, DEBUG, INFO, WARN, ERROR,"
          + " OFF, ALL; logging at INFO", LEVEL, dev.baton.core.Text.prefix(levelSetting, 40));
    }
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * A system property of that name, else the environment variable, as logback.xml's ${NAME} was
   * looked up. (BATON_LOG_FORMAT is the environment's only, as Main and the guardian read it.)
   */
  private String setting(String name) {
    String value = systemProperty.apply(name);
    return value != null ? value : env.apply(name);
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(TEXT_PATTERN);
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMDC(false);
    encoder.setWithArguments(false);
    encoder.setWithKVPList(false);
    encoder.setWithFormattedMessage(true); // the message with its arguments filled in; "message" is the template
    encoder.start();
    return encoder;
  }
}
