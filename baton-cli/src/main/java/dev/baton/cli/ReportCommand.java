package dev.baton.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ReportRequest;
import dev.baton.api.ReportResponse;
import dev.baton.core.BatonException;
import dev.baton.core.Names;
import dev.baton.core.ServiceName;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Report a condition to the agent (for detectors: scripts, monitors, cron jobs).",
        "The report is recorded as a report.received event; the agent's rules may turn it into an action"
            + " (restart, failover, disable, drain-node, run). A condition no rule names is recorded and changes nothing."})
final class ReportCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Mixin ApiOption api;

  @Parameters(index = "0", paramLabel = "CONDITION", description = "what was detected, e.g. disk-full")
  String condition;

  @Option(names = "--service", paramLabel = "NAME", description = "the service it concerns (one of the agent's)")
  String service;

  @Option(names = "--detail", paramLabel = "TEXT", description = "free text recorded with the report")
  String detail;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Names.check("condition", condition);
    if (service != null) {
      ServiceName.of(service);
    }
    BatonClient client = api.client();
    String answer = client.post("/v1/reports", new ReportRequest(condition, service, detail));
    ReportResponse r;
    try {
      r = JSON.readValue(answer, ReportResponse.class);
    } catch (IOException e) {
      throw new BatonException("the agent sent something that is not a report answer: " + answer, e);
    }
    spec.commandLine().getOut().println("reported " + r.condition() + (r.service() == null ? "" : " about " + r.service())
        + " to " + r.node() + ": " + (r.actions().isEmpty() ? "no rule matches; recorded only"
            : "actions " + String.join(", ", r.actions())));
    return ExitCodes.OK;
  }
}
