package dev.baton.lab;

import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.ExitCodes;
import dev.baton.cli.Signals;
import dev.baton.cli.StatusTable;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start a group of agents on this machine, with a sample service, and show the live whiteboard.",
        "The agents share one store (a fresh SQLite file by default); the service prints its node and epoch every"
            + " second. With --chaos, the owner is killed with SIGKILL every 15 seconds and restarted, to watch"
            + " failovers. Ctrl-C stops everything."})
final class DemoCommand implements Callable<Integer> {
  static final String SERVICE = "hello";

  @Option(names = "--nodes", defaultValue = "3", description = "number of agents, 2 to 9 (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--chaos", description = "kill the owner's agent with SIGKILL every --chaos-every, then restart it")
  boolean chaos;

  @Option(names = "--chaos-every", defaultValue = "15s", paramLabel = "DURATION",
      description = "time between two kills with --chaos (default: ${DEFAULT-VALUE})")
  String chaosEvery;

  @Option(names = "--duration", paramLabel = "DURATION",
      description = "stop by itself after this long (default: run until Ctrl-C)")
  String duration;

  @Option(names = "--dir", paramLabel = "DIR", description = "where to put the group's files (default: a new temp dir)")
  Path dir;

  @Option(names = "--store", defaultValue = "sqlite", paramLabel = "STORE",
      description = "sqlite (default: a fresh file), postgresql (a private server started from the installed"
          + " PostgreSQL binaries), zookeeper (a local 3-server ensemble of server processes), or a store URL")
  String store;

  @Option(names = "--keep", description = "keep the demo's files (configs, database, logs) after it stops")
  boolean keep;

  @Spec CommandSpec spec;

  private final Deque<String> history = new ArrayDeque<>();
  private volatile boolean stopRequested;
  private LocalGroup group;
  private String storeText;
  /** The last chaos kill: which node, when (nanoTime), the epoch it owned; null once reported. */
  private Kill kill;

  private record Kill(LocalGroup.Node node, long at, long epoch) {}

  @Override
  public Integer call() throws Exception {
    if (nodes < 2 || nodes > 9) {
      throw new InvalidInputException("--nodes " + nodes + " is out of range; expected 2 to 9");
    }
    long chaosNanos = Durations.parse(chaosEvery).toNanos();
    long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + Durations.parse(duration).toNanos();
    PrintWriter out = spec.commandLine().getOut();
    Path home = dir != null ? Files.createDirectories(dir.toAbsolutePath()) : Files.createTempDirectory("baton-demo-");
    Signals.onTerminate(() -> stopRequested = true);
    boolean tty = System.console() != null;
    LocalStore shared = null;
    try {
      out.println("Baton demo: preparing the store (" + store + ")...");
      out.flush();
      shared = LocalStore.create(store, home);
      storeText = shared.description();
      group = setUp(home, shared.url());
      out.println("Baton demo: " + nodes + " agents in " + home + ", sharing " + storeText);
      out.println("Starting the agents (their logs: " + home + "/node-*/agent.log)...");
      out.flush();
      group.nodes().forEach(LocalGroup.Node::start);
      long nextKill = System.nanoTime() + chaosNanos;
      String lastSummary = "";
      while (!stopRequested && System.nanoTime() < end) {
        Optional<StatusResponse> status = group.status();
        if (chaos) {
          nextKill = chaosStep(status, nextKill, chaosNanos);
        }
        String screen = render(home, status, chaos ? nextKill : -1);
        if (tty) {
          out.print("\033[H\033[2J" + screen);
        } else if (!summary(status).equals(lastSummary)) {
          lastSummary = summary(status);
          out.print("---- " + LocalTime.now().withNano(0) + "\n" + screen + "\n");
        }
        out.flush();
        Thread.sleep(1000);
      }
    } finally {
      out.println("\nStopping the agents (each hands its service over, then leaves)...");
      out.flush();
      if (group != null) {
        group.close();
      }
      if (shared != null) {
        shared.close();
      }
      if (keep) {
        out.println("Stopped. Files kept in " + home);
      } else {
        LocalGroup.deleteTree(home);
        out.println("Stopped; removed " + home + " (use --keep to keep it).");
      }
      out.flush();
    }
    return ExitCodes.OK;
  }

  private LocalGroup setUp(Path home, String url) throws IOException {
    Path script = home.resolve("hello-service.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "# The demo's service: says which node provides it, and under which epoch, every second.",
        "say() { echo \"$(date +%H:%M:%S) $BATON_NODE: $*\" | tee -a \"$DEMO_FEED\"; }",
        "trap 'say \"SIGTERM: stopping (epoch $BATON_EPOCH)\"; exit 0' TERM",
        "say \"started, epoch $BATON_EPOCH\"",
        "while :; do",
        "  sleep 1 & wait $!",
        "  say \"providing $BATON_SERVICE, epoch $BATON_EPOCH\"",
        "done",
        ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new LocalGroup(home, "demo", nodes, url, List.of(),
        new LocalGroup.ServiceSpec(SERVICE, List.of(script.toString()), Map.of("DEMO_FEED", home.resolve("feed.log").toString()),
            Duration.ofSeconds(5)));
  }

  private long chaosStep(Optional<StatusResponse> status, long nextKill, long chaosNanos) {
    Optional<ServiceStatus> svc = status.flatMap(st -> st.services().stream()
        .filter(x -> x.name().equals(SERVICE)).findFirst());
    if (kill != null) {
      Kill k = kill;
      svc.filter(x -> x.owner() != null && x.epoch() > k.epoch()).ifPresent(x -> {
        note(String.format("%s provides epoch %d, %.1fs after the kill", x.owner(), x.epoch(), (System.nanoTime() - k.at()) / 1e9));
        kill = null;
      });
      if (!k.node().alive() && System.nanoTime() - k.at() > TimeUnit.SECONDS.toNanos(5)) {
        note("restarting " + k.node().name() + " (it rejoins once its old session's lease has passed)");
        k.node().start();
      }
    }
    group.nodes().stream().filter(n -> !n.alive() && (kill == null || kill.node() != n)).forEach(n -> {
      note("restarting " + n.name());
      n.start();
    });
    if (System.nanoTime() < nextKill || svc.isEmpty() || svc.get().owner() == null) {
      return nextKill;
    }
    String owner = svc.get().owner();
    group.node(owner).filter(LocalGroup.Node::alive).ifPresent(n -> {
      kill = new Kill(n, System.nanoTime(), svc.get().epoch());
      n.kill();
      note("SIGKILL " + n.name() + " (owner of " + SERVICE + ", epoch " + svc.get().epoch() + ")");
    });
    return System.nanoTime() + chaosNanos;
  }

  private void note(String line) {
    history.addLast(LocalTime.now().withNano(0) + "  " + line);
    while (history.size() > 8) {
      history.removeFirst();
    }
  }

  private String render(Path home, Optional<StatusResponse> status, long nextKill) {
    StringBuilder s = new StringBuilder();
    s.append("Baton demo: ").append(nodes).append(" agents sharing ").append(storeText)
        .append("  (Ctrl-C to stop)\n\n");
    s.append(status.map(StatusTable::render).orElse("no agent answers yet...\n"));
    s.append("\nService output (").append(home.resolve("feed.log")).append("):\n");
    tail(home.resolve("feed.log"), 6).forEach(l -> s.append("  ").append(l).append('\n'));
    if (nextKill >= 0) {
      s.append("\nChaos: next SIGKILL of the owner in ")
          .append(Math.max(0, TimeUnit.NANOSECONDS.toSeconds(nextKill - System.nanoTime()))).append("s\n");
      history.forEach(h -> s.append("  ").append(h).append('\n'));
    }
    s.append("\nTry: bin/baton status --api http://").append(group.nodes().get(0).api())
        .append("    or kill -9 the owner's node (pids: ");
    group.nodes().forEach(n -> s.append(n.name()).append('=').append(n.alive() ? Long.toString(n.pid()) : "down").append(' '));
    return s.append(")\n").toString();
  }

  private static String summary(Optional<StatusResponse> status) {
    return status.map(st -> st.nodes().toString() + st.services()).orElse("");
  }

  private static List<String> tail(Path file, int lines) {
    try {
      List<String> all = Files.exists(file) ? Files.readAllLines(file) : List.of();
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of();
    }
  }
}
