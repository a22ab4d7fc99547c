package dev.baton.lab.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;

/**
 * The minimal failover manager that {@code bench latch} measures Baton against: one contender of
 * Apache Curator's {@link LeaderLatch} recipe. It joins the latch with the given ZooKeeper session
 * timeout and, while it leads, runs a service command with {@code BATON_EPOCH} set to its latch
 * znode's sequence number (which only grows from one leader to the next) and {@code BATON_NODE}
 * to its id. The service runs under {@code setpriv --pdeathsig KILL}, so it dies with this JVM.
 * Runs until killed.
 *
 * <p>Arguments: {@code SERVERS LATCH-PATH ID SESSION-TIMEOUT-MS COMMAND...}
 */
public final class LatchContender {
  private LatchContender() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 5) {
      throw new IllegalArgumentException("expected SERVERS LATCH-PATH ID SESSION-TIMEOUT-MS COMMAND..., got "
          + List.of(args));
    }
    String servers = args[0];
    String latchPath = args[1];
    String id = args[2];
    int sessionTimeout = Integer.parseInt(args[3]);
    List<String> command = List.of(args).subList(4, args.length);
    BlockingQueue<Boolean> leadership = new LinkedBlockingQueue<>();
    try (CuratorFramework client = CuratorFrameworkFactory.builder().connectString(servers)
            .sessionTimeoutMs(sessionTimeout).connectionTimeoutMs(sessionTimeout)
            .retryPolicy(new ExponentialBackoffRetry(100, 3)).build();
        LeaderLatch latch = new LeaderLatch(client, latchPath, id)) {
      client.start();
      latch.addListener(new LeaderLatchListener() {
        @Override
        public void isLeader() {
          leadership.add(true);
        }

        @Override
        public void notLeader() {
          leadership.add(false);
        }
      });
      latch.start();
      System.out.println("[latch=" + latchPath + " id=" + id + "] joined with session timeout " + sessionTimeout + "ms");
      Process service = null;
      // The service is started from this thread, which lives as long as the JVM: its parent-death
      // signal follows the thread that forked it.
      while (true) {
        boolean leads = leadership.take();
        if (leads && latch.hasLeadership() && (service == null || !service.isAlive())) {
          String path = latch.getOurPath();
          long epoch = Long.parseLong(path.substring(path.length() - 10));
          service = start(command, id, epoch);
          System.out.println("[latch=" + latchPath + " id=" + id + "] leader as " + path + "; started pid " + service.pid());
        } else if (!leads && service != null) {
          service.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          System.out.println("[latch=" + latchPath + " id=" + id + "] not leader any more; killed pid " + service.pid());
          service = null;
        }
        System.out.flush();
      }
    }
  }

  private static Process start(List<String> command, String id, long epoch) throws IOException {
    List<String> full = new java.util.ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
    full.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("BATON_EPOCH", Long.toString(epoch));
    pb.environment().put("BATON_NODE", id);
    return pb.start();
  }

  /** Starts one contender as a child JVM on this JVM's classpath, killed by the kernel if its parent dies. */
  static Process spawn(String servers, String latchPath, String id, int sessionTimeoutMs, List<String> command,
      java.util.Map<String, String> env, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new java.util.ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", java,
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), LatchContender.class.getName(),
        servers, latchPath, id, Integer.toString(sessionTimeoutMs)));
    cmd.addAll(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    return pb.start();
  }
}
