package dev.baton.cli;

import picocli.CommandLine;

/** The {@code baton} command. The only place that exits the JVM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand and Baton's error handling; for tests too. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new BatonCommand());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof dev.baton.core.BatonException) {
        cmd.getErr().println("baton: " + e.getMessage());
        return ExitCodes.of(e);
      }
      throw e;
    });
    return cli;
  }
}
