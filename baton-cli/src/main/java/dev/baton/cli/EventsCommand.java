package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.EventEntry;
import dev.baton.api.EventTypes;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.core.ServiceName;
import dev.baton.core.Text;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "events", mixinStandardHelpOptions = true,
    description = {"Print the group's events, oldest first: seq, time, type, node, service, epoch, detail;",
        "only those of --service and --type when given.",
        "With --follow, keep printing new ones as any node of the group records them, until Ctrl-C;",
        "when the stream breaks or goes silent, say so and connect again (1s, 2s, 4s, ... up to 30s apart),",
        "carrying on after the last event printed."})
final class EventsCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1000;

  @Mixin ApiOption api;

  @Option(names = {"-f", "--follow"}, description = "keep printing new events until interrupted (Ctrl-C)")
  boolean follow;

  @Option(names = "--since", paramLabel = "SEQ", defaultValue = "0",
      description = "only events after this sequence number (default: ${DEFAULT-VALUE}, all that are kept)")
  long since;

  @Option(names = "--service", paramLabel = "NAME", description = "only events about this service")
  String service;

  @Option(names = "--type", paramLabel = "TYPE", split = ",",
      description = "only events of this type (repeat it or separate types by commas), e.g. node.lost,service.failed;"
          + " the types are listed in docs/events.md")
  List<String> types = List.of();

  @Option(names = "--json", description = "one JSON object per line, as GET /v1/events returns each event")
  boolean json;

  @Option(names = "--stall-timeout", paramLabel = "DURATION", defaultValue = "45s",
      description = "with --follow: reconnect when the stream has been silent this long; the agent sends a"
          + " keep-alive every 15s (default: ${DEFAULT-VALUE})")
  String stallTimeout;

  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (since < 0) {
      throw new InvalidInputException("invalid --since " + since + "; expected an event sequence number, 0 or more");
    }
    String filter = (service == null ? "" : "&service=" + URLEncoder.encode(ServiceName.of(service).value(),
        StandardCharsets.UTF_8)) + typeFilter(types);
    Duration stall = Durations.parse(stallTimeout);
    if (stall.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new InvalidInputException("invalid --stall-timeout " + stallTimeout + "; expected at least 1s");
    }
    BatonClient client = api.client();
    PrintWriter out = spec.commandLine().getOut();
    if (follow) {
      follow(client, out, filter, stall);
      return ExitCodes.OK;
    }
    long after = since;
    while (true) {
      List<EventEntry> page = client.events("since=" + after + "&limit=" + PAGE + filter).events();
      page.forEach(e -> print(out, e));
      out.flush();
      if (page.size() < PAGE) {
        return ExitCodes.OK;
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /** {@code &type=a,b} for the types asked, each one checked; empty when none. */
  static String typeFilter(List<String> types) {
    java.util.Set<String> wanted = new java.util.TreeSet<>();
    for (String t : types) {
      String type = t.strip();
      if (!EventTypes.ALL.contains(type)) {
        throw new InvalidInputException("unknown event type " + dev.baton.core.Text.quote(type) + " in --type; expected"
            + " one or more of " + String.join(", ", EventTypes.ALL));
      }
      wanted.add(type);
    }
    return wanted.isEmpty() ? "" : "&type=" + URLEncoder.encode(String.join(",", wanted), StandardCharsets.UTF_8);
  }

  /**
   * Streams until interrupted: after a break, a stall or the agent's end of the stream, says so on
   * stderr and connects again with backoff, asking for the events after the last one printed.
   */
  private void follow(BatonClient client, PrintWriter out, String filter, Duration stall) {
    PrintWriter err = spec.commandLine().getErr();
    long[] last = {since};
    boolean[] received = {false};
    Duration backoff = Duration.ofSeconds(1);
    while (!Thread.currentThread().isInterrupted()) {
      received[0] = false;
      String why;
      try {
        client.stream("/v1/events/stream?since=" + last[0] + filter, data -> {
          received[0] = true;
          try {
            EventEntry e = JSON.readValue(data, EventEntry.class);
            last[0] = Math.max(last[0], e.seq());
            print(out, e);
          } catch (IOException e) {
            out.println(data);
          }
          out.flush();
        }, stall);
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        why = "the agent at " + client.base() + " ended the event stream";
      } catch (BatonClient.UnreachableException e) {
        why = e.getMessage();
      }
      if (received[0]) {
        backoff = Duration.ofSeconds(1);
      }
      err.println("baton: " + why + "; reconnecting in " + Durations.format(backoff) + " (after event " + last[0] + ")");
      err.flush();
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }
  }

  private void print(PrintWriter out, EventEntry e) {
    if (json) {
      try {
        out.println(JSON.writeValueAsString(e));
      } catch (IOException ex) {
        throw new IllegalStateException(ex);
      }
      return;
    }
    out.println(line(e));
  }

  /**
   * {@code seq time type node service epoch detail}, absent fields as {@code -}, on one line: a
   * control character in a field (a newline or an escape sequence a reporter put in a detail) is
   * printed as an escape ({@code \n}, {@code \x1b}), so it can neither forge a line nor drive the
   * terminal.
   */
  static String line(EventEntry e) {
    return String.format("%6d  %-24s  %-24s  %-12s  %-12s  %5s  %s", e.seq(), safe(e.time()), safe(e.type()),
        orDash(e.node()), orDash(e.service()), e.epoch() == null ? "-" : e.epoch(),
        e.detail() == null ? "" : Text.escapeControls(e.detail()));
  }

  private static String orDash(String s) {
    return s == null ? "-" : Text.escapeControls(s);
  }

  private static String safe(Object value) {
    return value == null ? "-" : Text.escapeControls(value.toString());
  }
}
