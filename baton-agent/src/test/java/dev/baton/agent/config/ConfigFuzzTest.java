package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The config loader against generated YAML and mutated valid configs: every file gives a config or
 * a {@link ConfigException} naming the file, never another exception and never a hang.
 */
class ConfigFuzzTest {
  static final String VALID = """
      group: billing
      node:
        name: node-a
        location: eu/paris/rack-1
      api:
        listen: 127.0.0.1:7171
      store: sqlite:/tmp/baton-fuzz/billing.db
      timing:
        heartbeat: 200ms
        lease: 2s
      services:
        web:
          command: [/opt/app/bin/web, --port, "8080"]
          env: {LOG_LEVEL: info}
          stop-timeout: 1.5s
          checks:
            - kind: tcp
              address: 127.0.0.1:8080
              interval: 1s
          recovery: {restarts: 3, window: 1m, backoff: 1s, ban: 5m}
      events:
        webhooks:
          - url: http://127.0.0.1:9000/hook
            types: [service.failed, node.lost]
      rules:
        - when: {condition: disk-full, service: web}
          then: failover
        - when: {condition: cleanup-needed}
          then: run
          run: [/usr/local/bin/cleanup, --all]
      """;
  static final List<String> TOKENS = List.of(":", ": ", "- ", "-", "[", "]", "{", "}", ",", "\n", "\n  ", "  ", "#",
      "&a ", "*a", "!!str ", "!!binary ", "? ", "|", ">", "'", "\"", "\\", "---\n", "...\n", "%YAML 1.2\n", "~", "null",
      "1e999", "-1", "0x10", "99999999999999999999h", "\t", "\u0000", "\u00ff", "\ud83d\ude00", "<<: *a", "@", "`");
  static Path dir;
  static ExecutorService runner;

  @BeforeContainer
  static void setUp() throws IOException {
    dir = Files.createTempDirectory("baton-config-fuzz");
    runner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "config-fuzz");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterContainer
  static void tearDown() throws IOException {
    runner.shutdownNow();
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  @Example
  void theSampleIsValid() {
    assertThat(load(VALID, Duration.ofSeconds(10))).isInstanceOf(AgentConfig.class);
  }

  @Example
  void aValidFileWithAFiveMegabyteCommentLineLoadsFast() {
    String file = VALID + "# " + "x".repeat(5 * 1024 * 1024) + "\n";
    long start = System.nanoTime();
    Object result = load(file, Duration.ofSeconds(20));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(result).as("a comment changes nothing: %s", result).isInstanceOf(AgentConfig.class);
    assertThat(took).as("validate took %s", took).isLessThan(Duration.ofSeconds(3));
  }

  @Example
  void anotherFiveMegabyteLineIsRefusedFast() {
    String file = VALID + "notes: " + "x".repeat(5 * 1024 * 1024) + "\n";
    long start = System.nanoTime();
    Object result = load(file, Duration.ofSeconds(20));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(result).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) result).getMessage()).contains("line " + (VALID.lines().count() + 1) + " is 5242888"
        + " characters long; expected lines of at most 65536 characters");
  }

  /** Found by the properties below: a rule whose then is given twice threw a NullPointerException. */
  @Example
  void aRuleWithThenTwiceIsAProblem() {
    String text = VALID.replace("    then: failover\n", "").replace("    then: run\n", "    then: failover\n    then: run\n");
    Object result = load(text, Duration.ofSeconds(10));
    assertThat(result).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) result).getMessage()).contains("rules[1].then: appears more than once");
  }

  /** Found by the properties below: a parser message named SnakeYAML's event classes. */
  @Example
  void aMisplacedAliasIsAProblemInYamlTerms() {
    Object result = load("{*a : b}\n", Duration.ofSeconds(10));
    assertThat(result).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) result).getMessage()).doesNotContain("org.yaml", "Event(");
  }

  @Property(tries = 150)
  void generatedYamlGivesAConfigOrAClearProblem(@ForAll("yaml") String text) {
    check(text);
  }

  @Property(tries = 250)
  void mutatedValidConfigsGiveAConfigOrAClearProblem(@ForAll("mutated") String text) {
    check(text);
  }

  @Provide
  Arbitrary<String> yaml() {
    Arbitrary<String> piece = Arbitraries.oneOf(Arbitraries.of(TOKENS),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12),
        Arbitraries.of("group", "node", "name", "services", "command", "checks", "kind", "timing", "lease", "rules",
            "when", "then", "events", "webhooks", "api", "listen", "store", "recovery", "billing", "exec", "tcp"));
    return piece.list().ofMaxSize(60).map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<String> mutated() {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, VALID.length());
    Arbitrary<String> insert = Arbitraries.oneOf(Arbitraries.of(TOKENS),
        Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(8), Arbitraries.strings().all().ofMaxLength(4));
    Arbitrary<String> inserted = Combinators.combine(at, insert).as((i, s) -> VALID.substring(0, i) + s + VALID.substring(i));
    Arbitrary<String> deleted = Combinators.combine(at, Arbitraries.integers().between(1, 40))
        .as((i, n) -> VALID.substring(0, i) + VALID.substring(Math.min(VALID.length(), i + n)));
    Arbitrary<String> lineSwapped = Combinators.combine(Arbitraries.integers().between(0, 40),
        Arbitraries.integers().between(0, 40)).as((x, y) -> {
          List<String> lines = new ArrayList<>(VALID.lines().toList());
          int i = x % lines.size();
          int j = y % lines.size();
          String tmp = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, tmp);
          return String.join("\n", lines);
        });
    Arbitrary<String> once = Arbitraries.oneOf(inserted, deleted, lineSwapped);
    return once.flatMap(s -> Arbitraries.integers().between(0, 2).map(extra -> s));
  }

  private static void check(String text) {
    Object result = load(text, Duration.ofSeconds(10));
    if (result instanceof ConfigException e) {
      assertThat(e.getMessage()).isNotBlank().contains("fuzz.yaml");
      assertThat(e.getMessage()).doesNotContain("com.fasterxml", "org.yaml", "Exception");
    } else {
      assertThat(result).isInstanceOf(AgentConfig.class);
    }
  }

  /** The config or the ConfigException of loading {@code text}; fails on any other outcome or a hang. */
  static Object load(String text, Duration deadline) {
    Path file = dir.resolve("fuzz.yaml");
    try {
      Files.write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // a lone surrogate as ?
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Future<Object> f = runner.submit(() -> {
      try {
        return ConfigLoader.load(file, () -> "fuzz-host");
      } catch (ConfigException e) {
        return e;
      }
    });
    try {
      return f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return fail("loading took more than " + deadline + ":\n" + text);
    } catch (java.util.concurrent.ExecutionException e) {
      return fail("loading threw " + e.getCause() + " instead of a ConfigException, for:\n" + text, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
