package dev.baton.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "clear", mixinStandardHelpOptions = true,
    description = {"Lift the bans and reset the restart budgets of SERVICE, on one node or on every node",
        "that provides it, so that a failed service is placed again."})
final class ClearCommand implements Callable<Integer> {
  @Mixin ApiOption api;

  @Parameters(paramLabel = "SERVICE", description = "the service")
  String service;

  @Option(names = "--node", paramLabel = "NODE", description = "only on this node (default: every node)")
  String node;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    dev.baton.core.ServiceName.of(service);
    if (node != null) {
      dev.baton.core.NodeName.of(node);
    }
    String answer = api.client().post("/v1/services/" + service + "/clear" + (node == null ? "" : "?node=" + node));
    spec.commandLine().getOut().println(answer);
    return ExitCodes.OK;
  }
}
