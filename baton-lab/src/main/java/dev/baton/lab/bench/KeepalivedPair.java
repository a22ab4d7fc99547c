package dev.baton.lab.bench;

import dev.baton.core.BatonException;
import dev.baton.lab.faults.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two Debian keepalived instances (VRRP only) for {@code bench pair}, each in a network namespace of
 * its own ({@code bka-R-a}, {@code bka-R-b}) joined by one veth pair ({@code bkaRa}/{@code bkaRb},
 * {@code 10.202.R.1} and {@code .2}), speaking VRRP version 3 by unicast over that veth. Both start
 * as BACKUP with {@code nopreempt} and the same priority (254, so the skew of the master-down
 * interval is 0.2 x 2/256 s, under 2 ms): the first one up becomes master, and a restarted one comes
 * back as the backup, as a Baton pair member does. Their notify_master script starts the service (the
 * benchmark's epoch writer, with the time it went master as its epoch) and notify_backup and
 * notify_fault stop it. {@link #kill} SIGKILLs every process in a namespace: keepalived's parent and
 * VRRP child and the service it started. Everything is removed by its recorded names at {@link #close}.
 */
final class KeepalivedPair implements AutoCloseable {
  static final String KEEPALIVED = "/usr/sbin/keepalived";
  static final List<String> NODES = List.of("ka-a", "ka-b");

  private final Path dir;
  private final int index;
  private final List<String> namespaces = new ArrayList<>();
  private final Process[] processes = new Process[2];

  /** Why this machine cannot run the pair, or null when it can. */
  static String unavailableReason() {
    if (!Processes.isRoot()) {
      return "keepalived and network namespaces need root";
    }
    if (!Files.isExecutable(Path.of(KEEPALIVED))) {
      return KEEPALIVED + " is not installed (as root: apt-get install -y keepalived)";
    }
    if (!Processes.onPath("ip")) {
      return "`ip` is not installed (Debian package iproute2)";
    }
    return null;
  }

  /**
   * Builds the namespaces and writes both configs.
   *
   * @param advert keepalived's advert_int in seconds, e.g. {@code 0.2}
   * @param writer the service script; it reads {@code BATON_EPOCH}, {@code BATON_NODE} and {@code EPOCH_LOG}
   */
  KeepalivedPair(Path dir, String advert, Path writer, Path epochs) throws IOException {
    String reason = unavailableReason();
    if (reason != null) {
      throw new BatonException("cannot run keepalived: " + reason);
    }
    this.dir = dir;
    String addresses = Processes.run(List.of("ip", "-o", "addr", "show"), null)
        + Processes.run(List.of("ip", "netns", "list"), null);
    int chosen = -1;
    for (int attempt = 0; attempt < 50 && chosen < 0; attempt++) {
      int i = ThreadLocalRandom.current().nextInt(1, 255);
      if (!addresses.contains("10.202." + i + ".") && !addresses.contains("bka-" + i + "-")) {
        chosen = i;
      }
    }
    if (chosen < 0) {
      throw new BatonException("cannot run keepalived: no free 10.202.x.0/24 subnet");
    }
    this.index = chosen;
    try {
      build(advert, writer, epochs);
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void build(String advert, Path writer, Path epochs) throws IOException {
    String[] veth = {"bka" + index + "a", "bka" + index + "b"};
    String[] address = {"10.202." + index + ".1", "10.202." + index + ".2"};
    for (int i = 0; i < 2; i++) {
      String ns = "bka-" + index + "-" + (char) ('a' + i);
      Processes.run(List.of("ip", "netns", "add", ns), null);
      namespaces.add(ns);
    }
    Processes.run(List.of("ip", "link", "add", veth[0], "netns", namespaces.get(0), "type", "veth", "peer", "name",
        veth[1], "netns", namespaces.get(1)), null);
    for (int i = 0; i < 2; i++) {
      String ns = namespaces.get(i);
      Processes.run(List.of("ip", "-n", ns, "addr", "add", address[i] + "/24", "dev", veth[i]), null);
      Processes.run(List.of("ip", "-n", ns, "link", "set", veth[i], "up"), null);
      Processes.run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), null);
    }
    Path notify = dir.resolve("notify.sh");
    Files.writeString(notify, String.join("\n",
        "#!/bin/sh",
        "# keepalived's notify script: $1 is master, backup or fault; $2 the node.",
        "pidfile=\"" + dir + "/$2.service.pid\"",
        "case \"$1\" in",
        "  master)",
        "    if [ -f \"$pidfile\" ] && kill -0 \"$(cat \"$pidfile\")\" 2>/dev/null; then exit 0; fi",
        "    BATON_EPOCH=$(date +%s%N) BATON_NODE=$2 EPOCH_LOG=\"" + epochs + "\" setsid \"" + writer
            + "\" >/dev/null 2>&1 </dev/null &",
        "    echo $! > \"$pidfile\" ;;",
        "  *)",
        "    if [ -f \"$pidfile\" ]; then kill \"$(cat \"$pidfile\")\" 2>/dev/null; rm -f \"$pidfile\"; fi ;;",
        "esac", ""));
    Files.setPosixFilePermissions(notify, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (int i = 0; i < 2; i++) {
      String node = NODES.get(i);
      Files.writeString(dir.resolve(node + ".conf"), String.join("\n",
          "# Written by baton bench pair.",
          "global_defs {",
          "  router_id " + node,
          "  vrrp_version 3",
          "  script_user root",
          "  vrrp_garp_master_delay 0",
          "  vrrp_garp_master_repeat 1",
          "}",
          "vrrp_instance BENCH {",
          "  state BACKUP",
          "  nopreempt",
          "  interface " + veth[i],
          "  virtual_router_id 51",
          "  priority 254",
          "  advert_int " + advert,
          "  unicast_src_ip " + address[i],
          "  unicast_peer {",
          "    " + address[1 - i],
          "  }",
          "  virtual_ipaddress {",
          "    10.202." + index + ".10/32 dev " + veth[i],
          "  }",
          "  notify_master \"" + notify + " master " + node + "\"",
          "  notify_backup \"" + notify + " backup " + node + "\"",
          "  notify_fault \"" + notify + " fault " + node + "\"",
          "}", ""));
    }
  }

  String namespace(String node) {
    return namespaces.get(NODES.indexOf(node));
  }

  Path log(String node) {
    return dir.resolve(node + ".log");
  }

  /** Starts keepalived (VRRP only, in the foreground, logging to its log file) in the node's namespace. */
  void start(String node) throws IOException {
    int i = NODES.indexOf(node);
    List<String> command = List.of("ip", "netns", "exec", namespaces.get(i), KEEPALIVED, "--dont-fork",
        "--log-console", "--log-detail", "--vrrp", "--use-file", dir.resolve(node + ".conf").toString(),
        "--pid", dir.resolve(node + ".pid").toString(), "--vrrp_pid", dir.resolve(node + ".vrrp.pid").toString());
    processes[i] = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile())).start();
  }

  boolean alive(String node) {
    Process p = processes[NODES.indexOf(node)];
    return p != null && p.isAlive();
  }

  /** Every process in the node's namespace: keepalived's two and the service it started. */
  List<Long> pids(String node) {
    String out = Processes.run(List.of("ip", "netns", "pids", namespace(node)), null).trim();
    return out.isEmpty() ? List.of() : Arrays.stream(out.split("\\s+")).map(Long::parseLong).toList();
  }

  /** SIGKILL of the whole node at once (stopped first, so that none reacts to another's death). */
  void kill(String node) throws IOException, InterruptedException {
    List<Long> pids = pids(node);
    Processes.signal("STOP", pids);
    Processes.signal("KILL", pids);
    Processes.awaitGone(pids);
    Process p = processes[NODES.indexOf(node)];
    if (p != null) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    // Its service's pid is gone with it; a later notify must not signal whatever reuses that pid.
    Files.deleteIfExists(dir.resolve(node + ".service.pid"));
  }

  @Override
  public void close() {
    for (String node : NODES) {
      if (namespaces.size() == NODES.size()) {
        try {
          kill(node);
        } catch (Exception e) {
          // removing the namespace below is what matters now
        }
      }
    }
    for (String ns : namespaces) {
      try {
        Processes.run(List.of("ip", "netns", "del", ns), null);
      } catch (BatonException e) {
        // already gone
      }
    }
    namespaces.clear();
  }
}
