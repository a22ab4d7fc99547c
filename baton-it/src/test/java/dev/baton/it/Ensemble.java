package dev.baton.it;

import dev.baton.lab.local.LocalZooKeeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.data.Stat;

/**
 * A three-server ZooKeeper ensemble for integration tests, each server a process of its own
 * ({@link LocalZooKeeper}: 100 ms tick, so a session timeout equal to a short lease is honoured
 * closely), that remembers which servers it killed so that {@link #restartKilled()} can bring them
 * all back. Processes, not curator-test's in-process servers: a kill is a real SIGKILL, and a
 * server that fails on its way up cannot System.exit the test runner.
 */
final class Ensemble implements AutoCloseable {
  private final Path dir;
  private final LocalZooKeeper zookeeper;
  private final List<LocalZooKeeper.Server> killed = new CopyOnWriteArrayList<>();

  private Ensemble(Path dir, LocalZooKeeper zookeeper) {
    this.dir = dir;
    this.zookeeper = zookeeper;
  }

  static Ensemble start() throws Exception {
    Path dir = Files.createTempDirectory("baton-it-zk-");
    return new Ensemble(dir, LocalZooKeeper.start(dir));
  }

  /** A store URL for a chroot of its own on this ensemble. */
  String url(String chroot) {
    return "zookeeper://" + zookeeper.connectString("127.0.0.1") + "/" + chroot;
  }

  List<LocalZooKeeper.Server> servers() {
    return zookeeper.servers();
  }

  LocalZooKeeper.Server leader() {
    return zookeeper.servers().stream().filter(LocalZooKeeper.Server::isLeader).findFirst()
        .orElseThrow(() -> new AssertionError("no server leads the ensemble"));
  }

  /**
   * The server that {@code node}'s agent is connected to: the one whose {@code cons} lists the
   * ZooKeeper session that owns the node's session ephemeral.
   */
  LocalZooKeeper.Server serverOf(String chroot, String group, String node) throws Exception {
    long sid;
    String servers = zookeeper.connectString("127.0.0.1");
    try (CuratorFramework client = CuratorFrameworkFactory.newClient(servers, new RetryOneTime(100))) {
      client.start();
      if (!client.blockUntilConnected(10, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new AssertionError("cannot connect to the ensemble " + servers);
      }
      Stat stat = client.checkExists().forPath("/" + chroot + "/groups/" + group + "/sessions/" + node);
      if (stat == null) {
        throw new AssertionError("node " + node + " has no session ephemeral in /" + chroot);
      }
      sid = stat.getEphemeralOwner();
    }
    String mark = "sid=0x" + Long.toHexString(sid) + ",";
    return zookeeper.servers().stream().filter(s -> s.fourLetterWord("cons").contains(mark)).findFirst()
        .orElseThrow(() -> new AssertionError("no server lists ZooKeeper session 0x" + Long.toHexString(sid)
            + " of node " + node));
  }

  void kill(LocalZooKeeper.Server server) {
    killed.add(server);
    server.kill();
  }

  /** Starts again every server killed so far. */
  void restartKilled() {
    killed.forEach(LocalZooKeeper.Server::start);
    killed.clear();
  }

  /** Whether every server answers and is part of a quorum (leader or follower). */
  boolean allServe() {
    return zookeeper.servers().stream().allMatch(LocalZooKeeper.Server::serves);
  }

  @Override
  public void close() throws Exception {
    zookeeper.close();
    PostgresFailoverIT.deleteTree(dir);
  }
}
