package dev.baton.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "clear", mixinStandardHelpOptions = true,
    description = {"Lift the bans and reset the restart budgets of SERVICE, so a failed service is placed again.",
        "Without --node, on every node that provides it or is banned from it. Works through the store,",
        "so it also clears a node that is down: that node comes back unbanned.",
        "With --wait, returns once the whiteboard shows no ban and no failed verdict left."})
final class ClearCommand implements Callable<Integer> {
  @Mixin ApiOption api;
  @Mixin WaitOptions waiting;

  @Parameters(paramLabel = "SERVICE", description = "the service")
  String service;

  @Option(names = "--node", paramLabel = "NODE", description = "only on this node, running or not (default: every node)")
  String node;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    dev.baton.core.ServiceName.of(service);
    if (node != null) {
      dev.baton.core.NodeName.of(node);
    }
    BatonClient client = api.client();
    String answer = client.post("/v1/services/" + service + "/clear" + (node == null ? "" : "?node=" + node));
    java.util.List<String> nodes = new java.util.ArrayList<>();
    try {
      new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer).path("cleared").forEach(n -> nodes.add(n.asText()));
    } catch (java.io.IOException e) {
      throw new dev.baton.core.BatonException("the agent answered something that is not JSON: " + answer);
    }
    return waiting.finish(client, answer, nodes.isEmpty() ? "no node provides " + service
        : "cleared " + service + " on " + String.join(", ", nodes) + "; it is placed again if a node can run it",
        Until.cleared(service, node));
  }
}
