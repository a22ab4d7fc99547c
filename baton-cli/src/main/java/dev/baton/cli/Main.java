package dev.baton.cli;

import java.util.Comparator;
import java.util.ServiceLoader;
import picocli.CommandLine;

/** The {@code baton} command. The only place that exits the JVM. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // The log's format and level are read by LogConfigurator, when the first logger is made.
    String format = System.getenv(LogConfigurator.FORMAT);
    if (format != null && !format.equals("text") && !format.equals("json")) {
      System.err.println("baton: " + LogConfigurator.FORMAT + " is \"" + dev.baton.core.Text.prefix(format, 40)
          + "\"; expected text (the default) or json");
      System.exit(ExitCodes.BAD_INPUT);
    }
    System.exit(commandLine().execute(args));
  }

  /** The command line with every subcommand and Baton's error handling; for tests too. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new BatonCommand());
    // After the operator's commands: those of the other modules on the classpath (CommandModule),
    // then help, last.
    ServiceLoader.load(CommandModule.class).stream()
        .sorted(Comparator.comparing((ServiceLoader.Provider<CommandModule> p) -> p.type().getName()))
        .forEach(p -> p.get().commands().forEach(c -> cli.addSubcommand(c)));
    cli.addSubcommand(CommandLine.HelpCommand.class);
    // `baton generate-completion`: the bash completion script of every command above (the archive's
    // completion/baton.bash is made by it); hidden from the list of commands.
    cli.addSubcommand(new picocli.AutoComplete.GenerateCompletion());
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
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
