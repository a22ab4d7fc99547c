package dev.baton.cli;

import dev.baton.api.OperatorResponse;
import dev.baton.api.RankingEntry;
import dev.baton.api.RankingResponse;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The operator verbs ({@code move}, {@code drain}, {@code undrain}, {@code disable},
 * {@code enable}, {@code rank}, {@code failback}, {@code pause}, {@code resume}, {@code restart}): each one request to an agent, which answers for
 * the whole group. They print what happens next; a refusal (unknown name, a move that cannot happen
 * now) exits non-zero and changes nothing. Each takes {@code --wait[=TIMEOUT]} and {@code --json}
 * ({@link WaitOptions}): with {@code --wait} it returns once the change has happened, judged on the
 * agent's whiteboard ({@link Until}).
 */
final class OperatorCommands {
  private OperatorCommands() {}

  /** The parts every verb shares: the agent to ask, --wait and --json, and where to print. */
  abstract static class Verb implements Callable<Integer> {
    @Mixin ApiOption api;
    @Mixin WaitOptions waiting;
    @Spec CommandSpec spec;

    /** Asks {@code method path} with {@code body}, prints the answer and with --wait waits {@code until}. */
    int ask(String method, String path, Object body, Until until) {
      BatonClient client = api.client();
      String answer = client.send(method, path, body);
      return waiting.finish(client, answer, text(parse(answer, OperatorResponse.class)), until);
    }

    /** Prints an answer already received; with --wait, returns at once (the agent answered after the change). */
    int print(OperatorResponse answer) {
      String json;
      try {
        json = JSON.writeValueAsString(answer);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      return waiting.finish(api.client(), json, text(answer), Until.answered("the agent has answered"));
    }

    static String text(OperatorResponse answer) {
      return (answer.changed() ? "" : "unchanged: ") + answer.detail();
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
      .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  static <T> T parse(String answer, Class<T> type) {
    try {
      return JSON.readValue(answer, type);
    } catch (java.io.IOException e) {
      throw new dev.baton.core.BatonException("the agent sent something that is not the expected JSON: "
          + Texts.prefix(answer));
    }
  }

  @Command(name = "move", mixinStandardHelpOptions = true,
      description = {"Move SERVICE to NODE now, by a graceful handover: its owner stops it (SIGTERM, then SIGKILL"
          + " after its stop-timeout) and releases it, then NODE claims it with the next epoch and starts it.",
          "Refused (exit 4, nothing changed) when NODE is not alive, is drained, has no provider of SERVICE or"
              + " its provider is unavailable, or SERVICE is disabled.",
          "The move holds only for the epoch it was asked at: if the owner or NODE dies first, placement decides"
              + " as usual and the move is dropped; run it again. `baton status` shows the owner as OWNER -> NODE while it moves."})
  static final class Move extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE", description = "the service to move")
    String service;

    @Parameters(index = "1", paramLabel = "NODE", description = "the node that should run it")
    String node;

    @Override
    public Integer call() {
      ServiceName.of(service);
      NodeName.of(node);
      return ask("POST", "/v1/services/" + service + "/move", Map.of("to", node), Until.runsOn(service, node));
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = {"Drain NODE: it stops and releases every service it runs, the next candidates take them over,"
          + " and it takes no service until `baton undrain NODE`. The drain is kept in the store: it survives"
          + " restarts of the node."})
  static final class Drain extends Verb {
    @Parameters(paramLabel = "NODE", description = "the node to drain")
    String node;

    @Override
    public Integer call() {
      NodeName.of(node);
      return ask("POST", "/v1/nodes/" + node + "/drain", null, Until.ownsNothing(node));
    }
  }

  @Command(name = "undrain", mixinStandardHelpOptions = true,
      description = {"Undrain NODE: it is a candidate again. Services stay where they run (placement is sticky);"
          + " use `baton move` to bring one back."})
  static final class Undrain extends Verb {
    @Parameters(paramLabel = "NODE", description = "the node to undrain")
    String node;

    @Override
    public Integer call() {
      NodeName.of(node);
      return ask("POST", "/v1/nodes/" + node + "/undrain", null, Until.notDrained(node));
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = {"Disable SERVICE: its owner stops it and releases it, and no node runs it until"
          + " `baton enable SERVICE`. Kept in the store; a planned move of it is dropped."})
  static final class Disable extends Verb {
    @Parameters(paramLabel = "SERVICE", description = "the service to disable")
    String service;

    @Override
    public Integer call() {
      ServiceName.of(service);
      return ask("POST", "/v1/services/" + service + "/disable", null, Until.runsNowhere(service));
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = {"Enable SERVICE again: the best candidate claims it with the next epoch and starts it."})
  static final class Enable extends Verb {
    @Parameters(paramLabel = "SERVICE", description = "the service to enable")
    String service;

    @Override
    public Integer call() {
      ServiceName.of(service);
      return ask("POST", "/v1/services/" + service + "/enable", null, Until.runs(service));
    }
  }

  @Command(name = "rank", mixinStandardHelpOptions = true,
      description = {"Show or set the ranking of SERVICE: the nodes that should own it, best first.",
          "`baton rank SERVICE` shows the ranking placement applies and where it comes from: an operator's"
              + " (set here), else the default ranks of the providers' configs (services.<name>.rank).",
          "`baton rank SERVICE NODE...` sets it: nodes not listed come after them; it wins over the config"
              + " defaults. `baton rank SERVICE --clear` clears it: the config defaults apply again.",
          "A ranking decides the next placement (after a failure, a drain, a disable); it does not take the service"
              + " from a healthy owner. To move it now: `baton move SERVICE NODE`."})
  static final class Rank extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE", description = "the service")
    String service;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "NODE", description = "the preferred nodes, best first")
    List<String> nodes = List.of();

    @Option(names = "--clear", description = "clear the operator's ranking (the config defaults apply again)")
    boolean clear;

    @Override
    public Integer call() {
      ServiceName.of(service);
      nodes.forEach(NodeName::of);
      if (clear && !nodes.isEmpty()) {
        throw new InvalidInputException("--clear takes no NODE: run `baton rank " + service + " --clear` to clear the"
            + " ranking, or `baton rank " + service + " NODE...` to set it");
      }
      if (clear || !nodes.isEmpty()) {
        return ask("PUT", "/v1/services/" + service + "/ranking", Map.of("ranking", nodes),
            Until.answered("the ranking of " + service + " is written"));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (waiting.json) {
        out.println(api.client().get("/v1/services/" + service + "/ranking"));
      } else {
        out.print(render(api.client().ranking(service)));
      }
      out.flush();
      return ExitCodes.OK;
    }

    static String render(RankingResponse r) {
      StringBuilder out = new StringBuilder();
      switch (r.source()) {
        case "operator" -> out.append("ranking of ").append(r.service()).append(", set by an operator (`baton rank ")
            .append(r.service()).append(" --clear` returns to the config defaults):\n");
        case "config" -> out.append("ranking of ").append(r.service())
            .append(", from the providers' config defaults (services.").append(r.service()).append(".rank):\n");
        default -> out.append(r.service()).append(" has no ranking: placement goes by nearness to the previous owner,"
            + " then load, then node name\n");
      }
      for (RankingEntry e : r.ranking()) {
        out.append("  ").append(e.rank()).append("  ").append(e.node()).append("  (").append(e.source()).append(")\n");
      }
      if (!r.ranking().isEmpty()) {
        out.append("nodes not listed come after the listed ones\n");
      }
      if (r.source().equals("operator") && !r.defaults().isEmpty()) {
        out.append("config defaults, overridden: ").append(String.join(", ", r.defaults().stream()
            .map(e -> e.node() + " " + e.rank()).toList())).append('\n');
      }
      return out.toString();
    }
  }

  @Command(name = "failback", mixinStandardHelpOptions = true,
      description = {"Set what happens to SERVICE when a node ranked better than its owner becomes a candidate"
          + " again (say the preferred server is back after a crash).",
          "sticky (the default): the owner keeps SERVICE until it cannot run it.",
          "rank: the best-ranked candidate that is ranked strictly better than the owner takes SERVICE back by a"
              + " graceful handover (as `baton move`), once it has been a candidate for the delay without a break"
              + " and the owner has held SERVICE that long; a node that flaps starts its delay again, so it never"
              + " gets the service during a flap. Only rank counts (see `baton rank`): nearness and load never move"
              + " a running service.",
          "Kept in the store; shown by `baton status SERVICE`."})
  static final class Failback extends Verb {
    @Parameters(index = "0", paramLabel = "SERVICE", description = "the service")
    String service;

    @Parameters(index = "1", paramLabel = "POLICY", description = "sticky or rank")
    String policy;

    @Option(names = "--delay", paramLabel = "DURATION",
        description = "with rank: how long the better-ranked node must have been a candidate (default 30s)")
    String delay;

    @Override
    public Integer call() {
      ServiceName.of(service);
      if (dev.baton.core.store.ServiceSettings.Failback.parse(policy) == null) {
        throw new InvalidInputException("unknown failback policy " + dev.baton.core.Text.quote(policy)
            + "; expected sticky (the owner keeps the service) or rank (a better-ranked node takes it back)");
      }
      if (delay != null) {
        dev.baton.core.Durations.parse(delay);
      }
      Map<String, String> body = new java.util.LinkedHashMap<>();
      body.put("policy", policy);
      if (delay != null) {
        body.put("delay", delay);
      }
      return ask("PUT", "/v1/services/" + service + "/failback", body,
          Until.answered("the failback of " + service + " is written"));
    }
  }

  /** {@code pause} and {@code resume}: one service, or with --all every service of the group. */
  abstract static class Maintenance extends Verb {
    @Parameters(arity = "0..1", paramLabel = "SERVICE", description = "the service")
    String service;

    @Option(names = "--all", description = "every service of the group")
    boolean all;

    int maintain(boolean pause) {
      String verb = pause ? "pause" : "resume";
      if (all == (service != null)) {
        throw new InvalidInputException("name one SERVICE or give --all: `baton " + verb + " SERVICE` or `baton "
            + verb + " --all`");
      }
      if (all) {
        return ask("POST", "/v1/" + verb, null, Until.allPaused(pause));
      }
      ServiceName.of(service);
      return ask("POST", "/v1/services/" + service + "/" + verb, null, Until.paused(service, pause));
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = {"Pause SERVICE (or with --all every service of the group) for maintenance: Baton takes no"
          + " decision about it until `baton resume`. What runs keeps running; nothing is claimed, started, stopped,"
          + " restarted, released, failed over or failed back; health checks still run and report.",
          "A paused owner that dies is reported (node.lost) and shown on the whiteboard, but nobody takes the"
              + " service over until it is resumed. Safety still holds: a process without the right to run is"
              + " killed, and a node that cannot renew its session fences itself.",
          "Kept in the store; `baton status` shows PAUSED and for how long. --all pauses the services the group knows"
              + " now; one added later is not paused. Pausing a paused service is refused (exit 4)."})
  static final class Pause extends Maintenance {
    @Override
    public Integer call() {
      return maintain(true);
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = {"Resume SERVICE (or with --all every paused service): Baton acts on it again from its next"
          + " pass. An owner whose process ended while paused releases it and placement starts it again; a service"
          + " whose owner died while paused is taken over by the next in line.",
          "Resuming a service that is not paused is refused (exit 4)."})
  static final class Resume extends Maintenance {
    @Override
    public Integer call() {
      return maintain(false);
    }
  }

  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = {"Restart SERVICE in place on its owner: the owner stops it (SIGTERM, then SIGKILL after its"
          + " stop-timeout) and starts it again with the same epoch; it never moves to another node.",
          "Any agent takes the request and sends it on to the owner. Refused (exit 4, nothing changed) when SERVICE"
              + " is disabled, no node owns it now, or it is starting or stopping on its owner.",
          "With --wait, returns once the owner has started it again."})
  static final class Restart extends Verb {
    @Parameters(paramLabel = "SERVICE", description = "the service to restart")
    String service;

    @Override
    public Integer call() {
      ServiceName.of(service);
      BatonClient client = api.client();
      String answer = client.send("POST", "/v1/services/" + service + "/restart", null);
      dev.baton.api.RestartResponse r = parse(answer, dev.baton.api.RestartResponse.class);
      return waiting.finish(client, answer, r.detail(), Until.restarted(r));
    }
  }
}
