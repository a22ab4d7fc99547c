package dev.baton.store.pair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pair with a ZooKeeper witness, each member reaching its peer and the witness through relays
 * the test can cut: the live member cut off from both may not renew past the moment the backup goes
 * live, which is what its agent fences itself by.
 */
class PairWitnessTest {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  private static final int THRESHOLD = 5;
  private static final Duration SILENCE = INTERVAL.multipliedBy(THRESHOLD);

  @TempDir Path dir;
  private TestingServer zookeeper;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private Path key;
  private int portA;
  private int portB;
  private Relay toA;
  private Relay toB;
  private Relay witnessOfA;
  private Relay witnessOfB;

  @BeforeEach
  void start() throws Exception {
    zookeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 50, -1,
        Map.of("maxSessionTimeout", "60000")), true);
    key = Files.writeString(dir.resolve("pair.key"), "the key both members of this pair share\n");
    portA = PairStoreTckTest.freePort();
    portB = PairStoreTckTest.freePort();
    toA = new Relay(portA);
    toB = new Relay(portB);
    witnessOfA = new Relay(zookeeper.getPort());
    witnessOfB = new Relay(zookeeper.getPort());
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    for (Relay r : List.of(toA, toB, witnessOfA, witnessOfB)) {
      r.close();
    }
    zookeeper.close();
  }

  private PairStore member(boolean a) {
    String url = "pair://127.0.0.1:" + (a ? toB : toA).port() + "?listen=127.0.0.1:" + (a ? portA : portB)
        + "&interval=" + INTERVAL.toMillis() + "ms&threshold=" + THRESHOLD + "&key-file=" + key
        + "&witness=zookeeper://127.0.0.1:" + (a ? witnessOfA : witnessOfB).port() + "/baton";
    // Calls may take a heartbeat, as an agent's do (Timing.storeCallTimeout).
    Store store = Stores.open(new StoreOptions(url, GroupName.of("shop"), INTERVAL, SILENCE, INTERVAL, null));
    closing.add(store);
    return (PairStore) store;
  }

  @Test
  void aLiveMemberCutOffFromItsPeerAndTheWitnessStopsRenewingBeforeTheBackupGoesLive() throws Exception {
    PairStore a = member(true);
    PairStore b = member(false);
    assertThat(a.role()).isEqualTo(PairMember.Role.LIVE);
    await("b the backup").atMost(Duration.ofSeconds(10)).until(() -> b.role() == PairMember.Role.BACKUP);
    SessionId session = a.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:1"), Map.of(), null);

    toA.cut();
    toB.cut();
    witnessOfA.cut();
    long lastRenewalSent = System.nanoTime();
    List<Entry<Long, String>> failures = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (b.role() != PairMember.Role.LIVE && System.nanoTime() < deadline) {
      long sent = System.nanoTime();
      try {
        a.renew(session);
        lastRenewalSent = sent;
      } catch (StoreException e) {
        failures.add(Map.entry(sent, e.getMessage()));
      }
      Thread.sleep(INTERVAL.toMillis() / 2);
    }
    long liveAt = System.nanoTime();

    assertThat(b.role()).as("the backup went live, the witness agreeing").isEqualTo(PairMember.Role.LIVE);
    assertThat(failures).as("a's renewals failed once it could reach neither").isNotEmpty();
    assertThat(failures.get(0).getValue()).contains("confirmed by neither the backup nor the witness");
    assertThat(Duration.ofNanos(liveAt - lastRenewalSent)).as("the backup went live a full silence after"
        + " the last renewal a counted on").isGreaterThanOrEqualTo(SILENCE);
  }

  @Test
  void aCutLinkWithTheWitnessReachableMovesNothing() throws Exception {
    PairStore a = member(true);
    PairStore b = member(false);
    await("b the backup").atMost(Duration.ofSeconds(10)).until(() -> b.role() == PairMember.Role.BACKUP);
    SessionId session = a.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:1"), Map.of(), null);

    toA.cut();
    toB.cut();
    long end = System.nanoTime() + SILENCE.multipliedBy(6).toNanos();
    while (System.nanoTime() < end) {
      a.renew(session); // confirmed by the witness
      assertThat(b.role()).isEqualTo(PairMember.Role.BACKUP);
      Thread.sleep(INTERVAL.toMillis());
    }
  }
}
