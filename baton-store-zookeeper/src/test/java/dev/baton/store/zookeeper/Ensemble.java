package dev.baton.store.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;

/** An in-process three-server ZooKeeper ensemble for tests, with a short tick. */
final class Ensemble {
  /** Sessions may be as short as two ticks. */
  static final int TICK_MILLIS = 100;

  private Ensemble() {}

  /**
   * Starts three servers with a {@value #TICK_MILLIS} ms tick, generous sync limits (a loaded
   * machine must not drop followers), sessions of up to 60s and the {@code srvr} four-letter
   * command (to find the leader).
   */
  static TestingCluster start() throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, -1, Map.of(
          "syncLimit", "20",
          "initLimit", "50",
          "maxSessionTimeout", "60000",
          "4lw.commands.whitelist", "srvr")));
    }
    TestingCluster cluster = new TestingCluster(specs);
    try {
      cluster.start();
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }
}
