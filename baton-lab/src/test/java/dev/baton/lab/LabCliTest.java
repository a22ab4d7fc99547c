package dev.baton.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The lab's commands in {@code baton}'s command line, where baton-cli finds them (CommandModule). */
public class LabCliTest {
  public record Result(int code, String out, String err) {}

  /** {@code baton ARGS} in this JVM, with the lab on the classpath as bin/baton has it. */
  public static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTheLabsCommandsAfterTheOperatorsAndHelpLast() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    List<String> commands = r.out().lines().dropWhile(l -> !l.equals("Commands:")).skip(1)
        .takeWhile(l -> !l.isBlank()).filter(l -> l.matches(" {2}\\S.*")).map(l -> l.trim().split(" ")[0]).toList();
    assertThat(commands).startsWith("agent").endsWith("report", "demo", "bench", "help");
    assertThat(r.out()).contains("Start here: baton demo", "Exit codes");
  }

  /** A stray {@code %} in a description makes picocli warn on stderr and print the raw text. */
  @Test
  void everyCommandsHelpRendersWithoutAPicocliWarning() {
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.util.List<String> rendered = new java.util.ArrayList<>();
    System.setErr(new java.io.PrintStream(captured, true));
    try {
      java.util.Deque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Main.commandLine()));
      while (!todo.isEmpty()) {
        CommandLine c = todo.pop();
        c.getUsageMessage();
        rendered.add(c.getCommandSpec().qualifiedName());
        todo.addAll(c.getSubcommands().values());
      }
    } finally {
      System.setErr(stderr);
    }
    assertThat(rendered).contains("baton bench faults", "baton bench failover", "baton bench load", "baton bench latch",
        "baton bench scale", "baton demo");
    assertThat(captured.toString()).doesNotContain("picocli WARN");
  }
}
