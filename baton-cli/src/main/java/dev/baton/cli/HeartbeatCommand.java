package dev.baton.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "heartbeat", mixinStandardHelpOptions = true,
    description = {"Tell this node's agent that SERVICE is alive, for its ttl checks.",
        "Run it from the service itself: its environment has BATON_API and BATON_SERVICE."})
final class HeartbeatCommand implements Callable<Integer> {
  @Mixin ApiOption api;

  @Parameters(paramLabel = "SERVICE", arity = "0..1", description = "the service (default: $BATON_SERVICE)")
  String service;

  @Override
  public Integer call() {
    String name = service != null ? service : System.getenv("BATON_SERVICE");
    if (name == null) {
      throw new dev.baton.core.InvalidInputException("which service? give SERVICE or set BATON_SERVICE");
    }
    dev.baton.core.ServiceName.of(name);
    api.client().put("/v1/services/" + name + "/heartbeat");
    return ExitCodes.OK;
  }
}
