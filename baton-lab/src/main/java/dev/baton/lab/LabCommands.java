package dev.baton.lab;

import dev.baton.cli.CommandModule;
import dev.baton.lab.bench.BenchCommand;
import java.util.List;

/** The lab's commands for {@code baton}, in the order {@code baton --help} lists them (META-INF/services). */
public final class LabCommands implements CommandModule {
  @Override
  public List<Class<?>> commands() {
    return List.of(DemoCommand.class, BenchCommand.class);
  }
}
