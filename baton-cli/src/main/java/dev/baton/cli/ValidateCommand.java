package dev.baton.cli;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ConfigException;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.config.FailoverBudget;
import dev.baton.agent.supervisor.ServiceTrees;
import dev.baton.core.BatonException;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {"Check a node's config without starting anything: every problem with its file, key and what is expected.",
        "For a valid config, print its failover budget and fencing timeline, and how this machine would contain",
        "each service's processes."})
final class ValidateCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the node's YAML config")
  Path config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    AgentConfig cfg;
    try {
      cfg = ConfigLoader.load(config);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
    Optional<String> unusable = Stores.unusable(cfg.store());
    if (unusable.isPresent()) {
      spec.commandLine().getErr().println(config + ": store: " + unusable.get());
      return ExitCodes.BAD_INPUT;
    }
    spec.commandLine().getOut().println(FailoverBudget.describe(cfg).stripTrailing());
    Stores.notice(cfg.store()).ifPresent(notice -> spec.commandLine().getOut().println("Store: " + notice));
    spec.commandLine().getOut().flush();
    try {
      spec.commandLine().getOut().println("Containment on this machine: " + ServiceTrees.choose(cfg.containment()).describe());
    } catch (BatonException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }
}
