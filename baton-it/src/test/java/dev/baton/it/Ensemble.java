package dev.baton.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.apache.zookeeper.data.Stat;

/**
 * An in-process three-server ZooKeeper ensemble for integration tests, with a 100 ms tick (so a
 * session timeout equal to a short lease is honoured closely), that remembers which servers it
 * killed so that {@link #restartKilled()} can bring them all back.
 */
final class Ensemble implements AutoCloseable {
  static final int TICK_MILLIS = 100;

  private final TestingCluster cluster;
  private final List<InstanceSpec> killed = new CopyOnWriteArrayList<>();

  private Ensemble(TestingCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts three servers with generous sync limits (a loaded machine must not drop followers),
   * sessions of up to 60s, and the {@code srvr} and {@code cons} four-letter commands.
   */
  static Ensemble start() throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1, Map.of(
          "syncLimit", "20",
          "initLimit", "50",
          "maxSessionTimeout", "60000",
          "4lw.commands.whitelist", "srvr,cons")));
    }
    TestingCluster cluster = new TestingCluster(specs);
    try {
      cluster.start();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return new Ensemble(cluster);
  }

  /** A store URL for a chroot of its own on this ensemble. */
  String url(String chroot) {
    return "zookeeper://" + cluster.getConnectString() + "/" + chroot;
  }

  List<InstanceSpec> servers() {
    return cluster.getInstances().stream().sorted(java.util.Comparator.comparingInt(InstanceSpec::getPort)).toList();
  }

  InstanceSpec leader() {
    for (InstanceSpec spec : cluster.getInstances()) {
      if (fourLetters(spec, "srvr").contains("Mode: leader")) {
        return spec;
      }
    }
    throw new AssertionError("no server leads the ensemble");
  }

  /**
   * The server that {@code node}'s agent is connected to: the one whose {@code cons} lists the
   * ZooKeeper session that owns the node's session ephemeral.
   */
  InstanceSpec serverOf(String chroot, String group, String node) throws Exception {
    long sid;
    try (CuratorFramework client = CuratorFrameworkFactory.newClient(cluster.getConnectString(), new RetryOneTime(100))) {
      client.start();
      if (!client.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("cannot connect to the ensemble " + cluster.getConnectString());
      }
      Stat stat = client.checkExists().forPath("/" + chroot + "/groups/" + group + "/sessions/" + node);
      if (stat == null) {
        throw new AssertionError("node " + node + " has no session ephemeral in /" + chroot);
      }
      sid = stat.getEphemeralOwner();
    }
    String mark = "sid=0x" + Long.toHexString(sid) + ",";
    for (InstanceSpec spec : cluster.getInstances()) {
      if (fourLetters(spec, "cons").contains(mark)) {
        return spec;
      }
    }
    throw new AssertionError("no server lists ZooKeeper session 0x" + Long.toHexString(sid) + " of node " + node);
  }

  void kill(InstanceSpec spec) throws Exception {
    killed.add(spec);
    if (!cluster.killServer(spec)) {
      throw new AssertionError("could not kill server " + spec.getConnectString());
    }
  }

  /** Restarts every server killed so far, and returns once all three answer {@code srvr} with a mode. */
  void restartKilled() throws Exception {
    for (InstanceSpec spec : killed) {
      if (!cluster.restartServer(spec)) {
        throw new AssertionError("could not restart server " + spec.getConnectString());
      }
    }
    killed.clear();
  }

  /** Whether every server answers and is part of a quorum (leader or follower). */
  boolean allServe() {
    return cluster.getInstances().stream().allMatch(s -> {
      String answer = fourLetters(s, "srvr");
      return answer.contains("Mode: leader") || answer.contains("Mode: follower");
    });
  }

  private static String fourLetters(InstanceSpec spec, String word) {
    try {
      return FourLetterWordMain.send4LetterWord(spec.getHostname(), spec.getPort(), word,
          false, (int) Duration.ofSeconds(2).toMillis());
    } catch (Exception e) {
      return "";
    }
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
