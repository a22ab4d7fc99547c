package dev.baton.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show the whiteboard: nodes with their state and location; services with owner, epoch, and each"
        + " provider's state and reason (for a waiting one its place in line and why); per service the next in line"
        + " and the ranking.",
        "`baton status SERVICE` shows one service's line in detail: every provider in its place, with its rank"
            + " and reason."})
final class StatusCommand implements Callable<Integer> {
  @Mixin ApiOption api;

  @picocli.CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "SERVICE",
      description = "show only this service, in detail")
  String service;

  @Option(names = "--json", description = "print exactly what GET /v1/status returns (GET /v1/services/SERVICE with SERVICE)")
  boolean json;

  @Option(names = "--watch", description = "refresh until interrupted (Ctrl-C)")
  boolean watch;

  @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s",
      description = "refresh interval with --watch, at least 100ms (default: ${DEFAULT-VALUE})")
  String interval;

  private static final long MIN_INTERVAL_MILLIS = 100;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    BatonClient client = api.client();
    PrintWriter out = spec.commandLine().getOut();
    long every = dev.baton.core.Durations.parse(interval).toMillis();
    if (every < MIN_INTERVAL_MILLIS) {
      throw new dev.baton.core.InvalidInputException("invalid --interval " + interval + "; expected at least "
          + MIN_INTERVAL_MILLIS + "ms");
    }
    if (service != null) {
      dev.baton.core.ServiceName.of(service);
    }
    if (!watch) {
      out.print(render(client));
      out.flush();
      return ExitCodes.OK;
    }
    while (true) {
      String text;
      try {
        text = render(client);
      } catch (BatonClient.UnreachableException e) {
        text = e.getMessage() + "\n";
      }
      out.print("\033[H\033[2J" + java.time.LocalTime.now().withNano(0) + "  " + client.base() + "\n\n" + text);
      out.flush();
      Thread.sleep(every);
    }
  }

  /** Paused services in bold when the output is a terminal that takes ANSI escapes (picocli decides). */
  private static String terminal(String text) {
    return picocli.CommandLine.Help.Ansi.AUTO.enabled() ? StatusTable.bold(text) : text;
  }

  private String render(BatonClient client) {
    if (service != null) {
      return json ? client.get("/v1/services/" + service) + "\n"
          : terminal(StatusTable.renderService(client.service(service)));
    }
    return json ? client.get("/v1/status") + "\n" : terminal(StatusTable.render(client.status()));
  }
}
