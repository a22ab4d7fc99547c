package dev.baton.cli.faults;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.client.FourLetterWordMain;

/**
 * Servers of the in-process three-server ZooKeeper ensemble killed for 2 x lease, then restarted.
 * One (a minority; the leader or a follower, as the schedule's random source draws it): the
 * ensemble keeps its quorum, so nothing need move if the lease outlasts a leader election. Two (the
 * quorum lost): every owner fences by its own deadline, nobody can claim, and the services come
 * back with higher epochs after the restart.
 */
final class ZooKeeperLoss extends Fault {
  private final int servers;

  ZooKeeperLoss(int servers) {
    super(servers == 1 ? "zk-minority-loss" : "zk-quorum-loss", "zookeeper", Aim.STORE, servers > 1, servers == 1
        ? "ZooKeeper: one of three servers killed (the leader half the time), restarted after 2 x lease"
        : "ZooKeeper: two of three servers killed, restarted after 2 x lease");
    this.servers = servers;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    TestingCluster cluster = context.zookeeper().orElseThrow();
    List<InstanceSpec> all = new ArrayList<>(cluster.getInstances());
    all.sort(Comparator.comparingInt(InstanceSpec::getPort));
    List<InstanceSpec> victims = new ArrayList<>();
    if (servers == 1) {
      boolean leader = context.random().nextBoolean();
      victims.add(all.stream().filter(s -> isLeader(s) == leader).findFirst().orElse(all.get(0)));
    } else {
      all.remove(context.random().nextInt(all.size()));
      victims.addAll(all);
    }
    List<String> names = victims.stream().map(s -> s.getConnectString() + (isLeader(s) ? " (leader)" : "")).toList();
    List<InstanceSpec> killed = new ArrayList<>();
    long at = breakFor(context, "kill ZooKeeper server(s) " + names + " for 2 x lease", 2,
        () -> {
          for (InstanceSpec s : victims) {
            if (cluster.killServer(s)) {
              killed.add(s);
            }
          }
        },
        () -> {
          for (InstanceSpec s : killed) {
            cluster.restartServer(s);
          }
        });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!cluster.getInstances().stream().allMatch(ZooKeeperLoss::serves) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return new Injected(at, context.checker().note("ZooKeeper servers " + names + " restarted; the ensemble serves"));
  }

  private static boolean isLeader(InstanceSpec s) {
    return srvr(s).contains("Mode: leader");
  }

  private static boolean serves(InstanceSpec s) {
    String answer = srvr(s);
    return answer.contains("Mode: leader") || answer.contains("Mode: follower");
  }

  private static String srvr(InstanceSpec s) {
    try {
      return FourLetterWordMain.send4LetterWord(s.getHostname(), s.getPort(), "srvr", false, 2000);
    } catch (Exception e) {
      return "";
    }
  }
}
