package dev.baton.cli;

import dev.baton.agent.Agent;
import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ConfigException;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import dev.baton.agent.session.JoinedGroup;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "agent", mixinStandardHelpOptions = true,
    description = {"Run this node's agent: join the group, heartbeat, and provide services.",
        "SIGTERM, Ctrl-C or `baton stop` hand its services over gracefully and exit 0;",
        "SIGHUP or `baton reload` re-read the config file and apply it without a restart.",
        "With the guardian on (the default; `guardian: false` turns it off) this process",
        "starts a guardian beside the agent: see docs/guardian.md."})
final class AgentCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the node's YAML config")
  Path config;

  @Option(names = "--accept-new-store", description = "Forget the group this node joined (state-dir/joined-group)"
      + " and join the group found in the store, or create one there. Only to start a new group on purpose:"
      + " without it, the agent refuses a store that was emptied, replaced or restored from a backup.")
  boolean acceptNewStore;

  @Option(names = "--insecure", description = "Serve the API beyond loopback without a token (as api.insecure: true)."
      + " Without it, an agent whose api.listen is not a loopback address refuses to start unless api.token-file is set.")
  boolean insecure;

  @Option(names = {"-b", "--backup"}, description = "Start this member of a hot-backup pair as the backup (as"
      + " pair.role: backup): it never goes live while its peer is; see docs/pair.md.")
  boolean backup;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    AgentConfig cfg;
    try {
      cfg = ConfigLoader.load(config);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("baton: refusing to start with an invalid config:\n" + e.getMessage());
      return ExitCodes.BAD_INPUT;
    }
    if (insecure) {
      cfg = cfg.insecure();
    }
    if (backup) {
      try {
        cfg = cfg.asPairBackup();
      } catch (dev.baton.core.InvalidInputException e) {
        spec.commandLine().getErr().println("baton: refusing to start: " + e.getMessage());
        return ExitCodes.BAD_INPUT;
      }
    }
    var refusal = cfg.access().refusal(cfg.api());
    if (refusal.isPresent()) {
      spec.commandLine().getErr().println("baton: refusing to start: " + refusal.get());
      return ExitCodes.BAD_INPUT;
    }
    if (acceptNewStore) {
      String forgotten = JoinedGroup.forget(cfg.stateDir()).orElse("nothing remembered");
      spec.commandLine().getErr().println("baton: --accept-new-store: forgot the group this node joined (" + forgotten
          + "); joining the group found in " + cfg.store());
    }
    if (cfg.guardian() && System.getenv("BATON_GUARDIAN_SOCKET") == null) {
      return new GuardedNode(cfg, spec.commandLine().getErr()).run();
    }
    Agent agent = Agent.underGuardian(cfg, System.getenv(), HttpApi::start);
    Signals.onTerminate(agent::requestStop);
    Signals.onReload(agent::requestReload);
    agent.start();
    agent.awaitStopped();
    return ExitCodes.OK;
  }
}
