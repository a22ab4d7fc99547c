package dev.baton.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "stop", mixinStandardHelpOptions = true,
    description = "Stop an agent gracefully: it stops its services, releases them so peers take over at once, leaves the group and exits 0.")
final class StopCommand implements Callable<Integer> {
  @Mixin ApiOption api;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    BatonClient client = api.client();
    client.post("/v1/stop");
    spec.commandLine().getOut().println("asked the agent at " + client.base() + " to stop; its services move to other nodes");
    return ExitCodes.OK;
  }
}
