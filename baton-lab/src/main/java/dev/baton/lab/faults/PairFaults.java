package dev.baton.lab.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fault kinds of a hot-backup pair (docs/pair.md), which run only with {@code --store pair} or
 * {@code pair-witness}: two nodes, each agent's store its own pair member. Which member is live is
 * read from the agents' logs (the member's last {@code pair:} line: {@code is live at term} or a
 * {@code backup} line), since a service's owner may be either member.
 */
public final class PairFaults {
  private PairFaults() {}

  /** The pair's kinds, for {@link Faults#all()}. */
  static List<Fault> all() {
    return List.of(new MemberKilled(true), new MemberKilled(false), new LinkCut());
  }

  /** Whether {@code store} is a pair's ({@code pair} or {@code pair-witness}). */
  public static boolean isPair(String store) {
    return store.equals("pair") || store.equals("pair-witness");
  }

  /** {@code live}, {@code backup} or {@code unknown}: the node's member's role by its last {@code pair:} line. */
  static String role(FaultNode node) {
    String role = "unknown";
    try {
      Path log = node.log();
      if (!Files.exists(log)) {
        return role;
      }
      for (String line : Files.readAllLines(log)) {
        if (!line.contains("pair: ")) {
          continue;
        }
        if (line.contains("joins as the backup") || line.contains("is the backup now")
            || line.contains("this member is the backup")) {
          role = "backup";
        } else if (line.contains(" is live at term ") && !line.contains("backup")) {
          role = "live";
        }
      }
    } catch (IOException e) {
      return "unknown";
    }
    return role;
  }

  /** The node whose member is live, of the target and its bystander (the pair's two nodes). */
  static FaultNode member(FaultTarget target, boolean live) {
    String wanted = live ? "live" : "backup";
    if (role(target.node()).equals(wanted)) {
      return target.node();
    }
    if (role(target.bystander()).equals(wanted)) {
      return target.bystander();
    }
    throw new IllegalStateException("no " + wanted + " member: " + target.node().name() + " is " + role(target.node())
        + ", " + target.bystander().name() + " is " + role(target.bystander()));
  }

  /**
   * The drawn target re-aimed at the member a pair kind acts on ({@code pair-backup-killed}: the
   * backup's node, the others: the live member's), named by its role; other kinds' targets as drawn.
   */
  public static FaultTarget aim(Fault fault, FaultTarget drawn) {
    if (!fault.kind().startsWith("pair-")) {
      return drawn;
    }
    boolean live = !fault.kind().equals("pair-backup-killed");
    FaultNode node = member(drawn, live);
    FaultNode other = node == drawn.node() ? drawn.bystander() : drawn.node();
    return new FaultTarget(node, live ? "live" : "backup", drawn.provider(), other);
  }

  /** SIGKILL of the live (or the backup) member's whole node; it starts again at once and joins as the backup. */
  static final class MemberKilled extends Fault {
    private final boolean live;

    MemberKilled(boolean live) {
      super(live ? "pair-live-killed" : "pair-backup-killed", "pair", Aim.NODE, false,
          "SIGSTOP then SIGKILL of launcher, guardian and agent of the " + (live ? "live" : "backup")
              + " member's node; it is started again at once and joins as the backup");
      this.live = live;
    }

    @Override
    public Optional<String> unavailable(FaultContext context) {
      return super.unavailable(context).or(NodeCrash::withoutPidNamespaces);
    }

    @Override
    public Injected inject(FaultContext context, FaultTarget target) throws InterruptedException {
      FaultNode node = member(target, live);
      List<Long> pids = node.pids();
      long at = context.checker().fault(kind(), "[node=" + node.name() + " role=" + (live ? "live" : "backup")
          + "] SIGKILL of launcher, guardian and agent " + pids);
      node.kill();
      Processes.awaitGone(pids);
      node.start();
      return Injected.at(at);
    }
  }

  /**
   * nftables in the live member's namespace drops all traffic to and from its peer for 3 x lease
   * (the pair's silence is its lease), then heals. With a witness the backup stays the backup (the
   * witness still sees the live member's session renewed); without one the backup goes live while
   * the live member stays live: both are live, the documented split-brain, which this kind reports
   * in {@link #warnings()} when it saw it (both members' last lines say live before the heal).
   */
  static final class LinkCut extends Fault {
    private final List<String> splits = new ArrayList<>();

    LinkCut() {
      super("pair-link-cut", "pair", Aim.NODE, false,
          "nftables in the live member's namespace drops all traffic to and from its peer for 3 x lease, then heals",
          Setup.NETWORK);
    }

    @Override
    public Injected inject(FaultContext context, FaultTarget target) throws Exception {
      Netns net = context.network().orElseThrow();
      FaultNode node = member(target, true);
      FaultNode peer = node == target.node() ? target.bystander() : target.node();
      Netns.Host host = node.requireNetns();
      String peerAddress = peer.pairAddress().orElseThrow(() -> new IllegalStateException(peer.name() + " is no pair member"));
      return Injected.at(breakFor(context, "[node=" + node.name() + " role=live] " + kind() + " from " + peerAddress
          + " in " + host.namespace() + " for 3 x lease", 3, () -> net.cutPeer(host, peerAddress), () -> {
            if (role(node).equals("live") && role(peer).equals("live")) {
              String split = node.name() + " and " + peer.name() + " both live before the heal";
              splits.add(split);
              context.checker().note("SPLIT-BRAIN (" + kind() + "): " + split);
            }
            net.heal(host);
          }));
    }

    @Override
    public List<String> warnings() {
      return List.copyOf(splits);
    }
  }
}
