package dev.baton.lab.bench;

import dev.baton.cli.ExitCodes;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.lab.local.LocalGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pair", mixinStandardHelpOptions = true,
    description = {"Compare Baton's hot-backup pair (docs/pair.md) with Debian's keepalived at the same",
        "heartbeat interval and threshold, in one run: --trials times each, SIGKILL the whole live side",
        "(a Baton node: launcher, guardian, agent and so its service; a keepalived node: every process in",
        "its network namespace, the service it started included) and measure the time to the service's",
        "first line on the other node. Baton: two real agents on this machine (pair.interval --interval,",
        "pair.threshold --threshold, then --also-threshold). keepalived: two instances (VRRP v3 by unicast,",
        "advert_int --interval) in two network namespaces joined by a veth pair, whose notify scripts start",
        "and stop the same service; its master-down interval is 3 x advert_int (+ a skew under 2 ms), so",
        "compare at --threshold 3. Needs root and /usr/sbin/keepalived. Prints p50/p99/max and the ratio."})
final class BenchPairCommand implements Callable<Integer> {
  static final String MEASURE = "fault -> new service running";

  @Option(names = "--trials", defaultValue = "20", description = "kills per contestant (default: ${DEFAULT-VALUE})")
  int trials;

  @Option(names = "--interval", defaultValue = "200ms",
      description = "pair.interval and keepalived's advert_int (default: ${DEFAULT-VALUE})")
  String interval;

  @Option(names = "--threshold", defaultValue = "3",
      description = "pair.threshold of the compared pair; keepalived's is always 3 (default: ${DEFAULT-VALUE})")
  int threshold;

  @Option(names = "--also-threshold", defaultValue = "5",
      description = "a second Baton pair at this threshold, printed beside (0: none; default: ${DEFAULT-VALUE})")
  int alsoThreshold;

  @Option(names = "--samples", paramLabel = "FILE", description = "also write every sample as CSV (series,trial,millis) to FILE")
  Path samples;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (trials < 1 || threshold < 3 || threshold > 100 || alsoThreshold != 0 && (alsoThreshold < 3 || alsoThreshold > 100)) {
      throw new InvalidInputException("--trials must be at least 1 and the thresholds 3 to 100");
    }
    Duration intervalD = Durations.parse(interval);
    if (intervalD.toMillis() < 10 || intervalD.toMillis() % 10 != 0) {
      throw new InvalidInputException("--interval " + interval + ": keepalived's advert_int counts in steps of 10ms");
    }
    String unavailable = KeepalivedPair.unavailableReason();
    if (unavailable != null) {
      throw new InvalidInputException("bench pair runs keepalived: " + unavailable);
    }
    BenchFiles.writable("--samples", samples, null);
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-pair-");
    Map<String, BenchFailoverCommand.Trials> results = new LinkedHashMap<>();
    String compared = "Baton pair (" + interval + " x " + threshold + ")";
    String keepalived = "keepalived (advert " + interval + " x 3)";
    try {
      results.put(compared, batonPair(dir.resolve("pair-" + threshold), intervalD, threshold, out));
      if (alsoThreshold != 0) {
        results.put("Baton pair (" + interval + " x " + alsoThreshold + ")",
            batonPair(dir.resolve("pair-" + alsoThreshold), intervalD, alsoThreshold, out));
      }
      results.put(keepalived, keepalived(Files.createDirectories(dir.resolve("keepalived")), intervalD, out));
    } finally {
      LocalGroup.deleteTree(dir);
    }
    out.printf("%nSIGKILL of the live side -> service running on the other node; interval %s, %d trials each%n",
        interval, trials);
    out.println("contestant                          detection      p50      p99      max   no service p50      p99");
    results.forEach((who, t) -> {
      Stats s = t.rows.get(MEASURE);
      Stats gap = t.rows.get("no process providing (gap)");
      int n = who.startsWith("keepalived") ? 3 : Integer.parseInt(who.replaceAll(".* x (\\d+)\\)$", "$1"));
      out.printf("%-34s %7dms %6.0fms %6.0fms %6.0fms %13.0fms %6.0fms%n", who, intervalD.toMillis() * n,
          s.percentile(50), s.percentile(99), s.max(), gap.percentile(50), gap.percentile(99));
    });
    Stats b = results.get(compared).rows.get(MEASURE);
    Stats k = results.get(keepalived).rows.get(MEASURE);
    out.printf("ratio %-28s           %6.2f   %6.2f   %6.2f%n", "Baton (x" + threshold + ") / keepalived", b.percentile(50) / k.percentile(50),
        b.percentile(99) / k.percentile(99), b.max() / k.max());
    results.forEach((who, t) -> t.notes.forEach((note, count) -> out.printf("%s: %s: %d of %d trials%n", who, note,
        count, trials)));
    if (samples != null) {
      Map<String, Stats> series = new LinkedHashMap<>();
      results.forEach((who, t) -> series.put(who, t.rows.get(MEASURE)));
      Samples.csv(samples, series);
      out.println("samples: " + samples);
    }
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * Two real agents as a pair on loopback: node-a starts live and runs the service, then node-b
   * joins as the backup; each trial SIGKILLs the owner's whole node (the live member: the service
   * only moves by a failover, and the killed node comes back as the backup) and restarts it.
   */
  private BenchFailoverCommand.Trials batonPair(Path dir, Duration intervalD, int n, PrintWriter out) throws Exception {
    Files.createDirectories(dir);
    Path key = Files.writeString(dir.resolve("pair.key"), "bench pair " + UUID.randomUUID() + "\n");
    Path script = BenchFailoverCommand.writeEpochWriter(dir);
    Path epochs = dir.resolve("epochs.log");
    out.printf("Baton pair: 2 agents, pair.interval %s, pair.threshold %d (lease %dms); %d trials%n", interval, n,
        intervalD.toMillis() * n, trials);
    out.flush();
    try (LocalGroup group = new LocalGroup(dir, "bench", 2, "pair://127.0.0.1:0", List.of(),
        new LocalGroup.ServiceSpec(BenchFailoverCommand.SERVICE, List.of(script.toString()),
            Map.of("EPOCH_LOG", epochs.toString()), Duration.ofSeconds(2), List.of(BenchFailoverCommand.RECOVERY)))) {
      group.pairUp(key, interval, n, null);
      LocalGroup.Node a = group.nodes().get(0);
      a.start();
      awaitLife(epochs, "node-a", Duration.ofSeconds(90));
      group.nodes().get(1).start();
      BenchFailoverCommand.Trials t = new BenchFailoverCommand.Trials();
      Progress progress = new Progress("bench pair x" + n, trials);
      for (int i = 1; i <= trials; i++) {
        BenchFailoverCommand.Lives.Life before = BenchFailoverCommand.Lives.last(epochs);
        BenchFailoverCommand.Trials one = BenchFailoverCommand.trials(group, epochs, "kill", 1, intervalD.multipliedBy(n),
            out, progress);
        BenchFailoverCommand.Lives.Life after = BenchFailoverCommand.Lives.read(epochs).stream()
            .filter(l -> l.epoch() > before.epoch()).findFirst().orElseThrow();
        // A pair's epochs start at (term - 1) x 1,000,000 + 1: a new term means the backup went live.
        boolean newTerm = (after.epoch() - 1) / 1_000_000 > (maxEpochBefore(epochs, after) - 1) / 1_000_000;
        String series = newTerm ? MEASURE : "killed node was the backup (owner not live)";
        one.rows.get(MEASURE).samples().forEach(v -> t.add(series, v));
        one.rows.get("no process providing (gap)").samples().forEach(v -> t.add("no process providing (gap)", v));
        if (!newTerm) {
          t.note("the killed owner was the backup member, not the live one (no new term)");
        }
      }
      t.rows.putIfAbsent(MEASURE, new Stats());
      int rejoinedLive = 0;
      for (LocalGroup.Node node : group.nodes()) {
        // "is live at term N: no answer from its peer": a member that went live after its join's hellos went unanswered
        rejoinedLive += countLines(node.log(), "pair: ", "no answer from its peer", "backup");
      }
      out.printf("Baton pair x%d: %d member start(s) went live because the peer did not answer its hellos in time"
          + " (expected 1: node-a's first start, alone)%n", n, rejoinedLive);
      return t;
    }
  }

  private BenchFailoverCommand.Trials keepalived(Path dir, Duration intervalD, PrintWriter out) throws Exception {
    Path script = BenchFailoverCommand.writeEpochWriter(dir);
    Path epochs = dir.resolve("epochs.log");
    String advert = String.format(java.util.Locale.ROOT, "%.2f", intervalD.toMillis() / 1000.0);
    out.printf("keepalived: 2 instances, VRRP v3 unicast over a veth pair, advert_int %s, nopreempt; %d trials%n",
        advert, trials);
    out.flush();
    BenchFailoverCommand.Trials result = new BenchFailoverCommand.Trials();
    try (KeepalivedPair pair = new KeepalivedPair(dir, advert, script, epochs)) {
      // A Ctrl-C must not leave keepalived and its namespaces behind.
      Thread cleanUp = new Thread(pair::close, "bench-pair-keepalived-cleanup");
      Runtime.getRuntime().addShutdownHook(cleanUp);
      try {
        keepalivedTrials(pair, epochs, intervalD, result, out);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(cleanUp);
        } catch (IllegalStateException e) {
          // the JVM is exiting: the hook closes the pair
        }
      }
    }
    return result;
  }

  private void keepalivedTrials(KeepalivedPair pair, Path epochs, Duration intervalD, BenchFailoverCommand.Trials result,
      PrintWriter out) throws Exception {
    Progress progress = new Progress("bench pair keepalived", trials);
    pair.start("ka-a");
    awaitLife(epochs, "ka-a", Duration.ofSeconds(30));
    int backupLines = countLines(pair.log("ka-b"), "BENCH", "Entering BACKUP STATE");
    pair.start("ka-b");
    long backupSince = System.nanoTime();
    String restarted = "ka-b";
    for (int t = 1; t <= trials; t++) {
      BenchFailoverCommand.Lives.Life before = awaitSteadyKeepalived(pair, epochs, backupSince, intervalD, restarted,
          backupLines);
      long faultAt = BenchFailoverCommand.Lives.wallNanos();
      pair.kill(before.node());
      BenchFailoverCommand.Lives.Life after = BenchFailoverCommand.awaitAbove(epochs, before.epoch(), Duration.ofSeconds(30));
      BenchFailoverCommand.Lives.Life old = BenchFailoverCommand.Lives.read(epochs).stream()
          .filter(l -> l.pid() == before.pid()).findFirst().orElse(before);
      double took = (after.first() - faultAt) / 1e6;
      double gap = Math.max(0, after.first() - old.last()) / 1e6;
      result.add(MEASURE, took);
      result.add("no process providing (gap)", gap);
      if (after.node().equals(before.node())) {
        result.note("NEW SERVICE ON THE KILLED NODE");
      }
      out.printf("keepalived    trial %2d/%d: %s -> %s in %.0f ms (gap %.0f ms)%n", t, trials, before.node(),
          after.node(), took, gap);
      out.flush();
      restarted = before.node();
      backupLines = countLines(pair.log(restarted), "BENCH", "Entering BACKUP STATE");
      pair.start(restarted);
      backupSince = System.nanoTime();
      progress.step();
    }
  }

  /**
   * Waits until both keepalived instances run, the restarted one has been up for 5 advert intervals
   * and logged its BACKUP state, and one service process writes, recently.
   */
  private static BenchFailoverCommand.Lives.Life awaitSteadyKeepalived(KeepalivedPair pair, Path epochs,
      long backupSince, Duration intervalD, String restarted, int backupLinesBefore) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      BenchFailoverCommand.Lives.Life last = BenchFailoverCommand.Lives.last(epochs);
      if (last != null && KeepalivedPair.NODES.stream().allMatch(pair::alive)
          && System.nanoTime() - backupSince > intervalD.multipliedBy(5).toNanos()
          && !last.node().equals(restarted)
          && countLines(pair.log(restarted), "BENCH", "Entering BACKUP STATE") > backupLinesBefore
          && BenchFailoverCommand.Lives.wallNanos() - last.last() < 200_000_000L) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the keepalived pair did not settle within 60s; see its logs");
  }

  /** The highest epoch of the lives that began before {@code life}. */
  private static long maxEpochBefore(Path epochs, BenchFailoverCommand.Lives.Life life) throws IOException {
    return BenchFailoverCommand.Lives.read(epochs).stream().filter(l -> l.first() < life.first())
        .mapToLong(BenchFailoverCommand.Lives.Life::epoch).max().orElse(0);
  }

  private static void awaitLife(Path epochs, String node, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      BenchFailoverCommand.Lives.Life last = BenchFailoverCommand.Lives.last(epochs);
      if (last != null && last.node().equals(node)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(node + " did not start the service within " + timeout + "; see its log");
  }

  private static int countLines(Path file, String a, String b) {
    return countLines(file, a, b, null);
  }

  /** The lines of {@code file} with both {@code a} and {@code b} and without {@code not} (when not null). */
  private static int countLines(Path file, String a, String b, String not) {
    try {
      return Files.exists(file) ? (int) Files.readAllLines(file).stream()
          .filter(l -> l.contains(a) && l.contains(b) && (not == null || !l.contains(not))).count() : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
