package dev.baton.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ResolveResponse;
import dev.baton.core.Location;
import dev.baton.core.ServiceName;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "resolve", mixinStandardHelpOptions = true,
    description = {"Show where clients reach SERVICE: the endpoints its providers declare (services.<name>.endpoint),"
        + " best first. The owner comes first (the one `active` endpoint of a singleton service), then the other"
        + " providers on live nodes, nearest to LOCATION in the location tree first.",
        "Any agent answers for every service of its group."})
final class ResolveCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Mixin ApiOption api;

  @Parameters(paramLabel = "SERVICE", description = "the service")
  String service;

  @Option(names = "--from", paramLabel = "LOCATION",
      description = "order by nearness to this location, e.g. eu/paris (default: the answering agent's location)")
  String from;

  @Option(names = "--json", description = "print exactly what GET /v1/services/SERVICE/resolve returns")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ServiceName.of(service);
    String path = "/v1/services/" + service + "/resolve";
    if (from != null) {
      Location.parse(from); // a malformed location is bad input here, before any request
      path += "?from=" + URLEncoder.encode(from, StandardCharsets.UTF_8);
    }
    String body = api.client().get(path);
    PrintWriter out = spec.commandLine().getOut();
    out.print(json ? body + "\n" : render(JSON.readValue(body, ResolveResponse.class)));
    out.flush();
    return ExitCodes.OK;
  }

  static String render(ResolveResponse r) {
    boolean instanced = r.endpoints().stream().anyMatch(e -> e.instance() != null);
    StringBuilder out = new StringBuilder();
    out.append(r.service()).append(" from ").append(r.from().isEmpty() ? "the root location" : r.from())
        .append(" (answered by ").append(r.node()).append("): ")
        .append(instanced ? "instances, each with its own owner and epoch"
            : r.owner() == null ? "no owner" : "owner " + r.owner() + ", epoch " + r.epoch()).append('\n');
    if (r.endpoints().isEmpty()) {
      out.append("no provider declares an endpoint; set services.").append(r.service())
          .append(".endpoint: host:port in the providers' config\n");
      return out.toString();
    }
    String[][] rows = new String[r.endpoints().size() + 1][];
    rows[0] = instanced ? new String[] {"ENDPOINT", "NODE", "ACTIVE", "STATE", "LOCATION", "INSTANCE"}
        : new String[] {"ENDPOINT", "NODE", "ACTIVE", "STATE", "LOCATION"};
    for (int i = 0; i < r.endpoints().size(); i++) {
      ResolveResponse.ResolvedEndpoint e = r.endpoints().get(i);
      String[] row = {e.endpoint(), e.node(), e.active() ? "yes" : "no", e.state(),
          e.location().isEmpty() ? "-" : e.location()};
      if (instanced) {
        row = java.util.Arrays.copyOf(row, row.length + 1);
        row[row.length - 1] = e.instance();
      }
      rows[i + 1] = row;
    }
    int[] widths = new int[rows[0].length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        line.append(c == 0 ? "" : "  ").append(String.format("%-" + widths[c] + "s", row[c]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
