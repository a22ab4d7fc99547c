package dev.baton.lab.faults;

import dev.baton.lab.local.LocalZooKeeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Servers of the local three-server ZooKeeper ensemble SIGKILLed for 2 x lease, then restarted.
 * One (a minority; the leader or a follower, as the schedule's random source draws it): the
 * ensemble keeps its quorum, so nothing need move if the lease outlasts a leader election. Two (the
 * quorum lost): every owner fences by its own deadline, nobody can claim, and the services come
 * back with higher epochs after the restart.
 */
final class ZooKeeperLoss extends Fault {
  private final int servers;

  ZooKeeperLoss(int servers) {
    super(servers == 1 ? "zk-minority-loss" : "zk-quorum-loss", "zookeeper", Aim.STORE, servers > 1, servers == 1
        ? "ZooKeeper: one of three servers SIGKILLed (the leader half the time), restarted after 2 x lease"
        : "ZooKeeper: two of three servers SIGKILLed, restarted after 2 x lease");
    this.servers = servers;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    LocalZooKeeper ensemble = context.zookeeper().orElseThrow();
    List<LocalZooKeeper.Server> all = new ArrayList<>(ensemble.servers());
    List<LocalZooKeeper.Server> victims = new ArrayList<>();
    if (servers == 1) {
      boolean leader = context.random().nextBoolean();
      victims.add(all.stream().filter(s -> s.isLeader() == leader).findFirst().orElse(all.get(0)));
    } else {
      all.remove(context.random().nextInt(all.size()));
      victims.addAll(all);
    }
    List<String> names = victims.stream().map(s -> s + (s.isLeader() ? " (leader)" : "")).toList();
    Injected outage = outage(context, "kill ZooKeeper server(s) " + names + " for 2 x lease", 2,
        () -> victims.forEach(LocalZooKeeper.Server::kill),
        () -> victims.forEach(LocalZooKeeper.Server::start));
    ensemble.awaitServing(Duration.ofSeconds(60));
    context.checker().note("ZooKeeper servers " + names + " restarted; the ensemble serves");
    return outage;
  }
}
