package dev.baton.store.pair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two pair members in this JVM, each over its own sockets and threads, talking through relays the
 * test can cut: the live member going away, a cut link with and without a witness (a SQLite file),
 * and heartbeats that are forged, stale or replayed.
 */
class PairMemberTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final int THRESHOLD = 5;
  private static final Duration SILENCE = INTERVAL.multipliedBy(THRESHOLD);
  private static final GroupName GROUP = GroupName.of("shop");
  private static final ServiceName WEB = ServiceName.of("web");

  @TempDir Path dir;
  private Path key;
  private int portA;
  private int portB;
  private Relay toA;
  private Relay toB;
  private final List<Store> opened = new ArrayList<>();

  @BeforeEach
  void ports() throws IOException {
    key = dir.resolve("pair.key");
    Files.writeString(key, "the key both members of this pair share\n");
    portA = PairStoreTckTest.freePort();
    portB = PairStoreTckTest.freePort();
    toA = new Relay(portA);
    toB = new Relay(portB);
  }

  @AfterEach
  void closeAll() throws IOException {
    opened.forEach(Store::close);
    toA.close();
    toB.close();
  }

  private PairStore member(String name, String witness) {
    boolean a = name.equals("a");
    String url = "pair://127.0.0.1:" + (a ? toB : toA).port() + "?listen=127.0.0.1:" + (a ? portA : portB)
        + "&interval=" + INTERVAL.toMillis() + "ms&threshold=" + THRESHOLD + "&key-file=" + key
        + "&data=" + dir.resolve(name + "-state.json")
        + (witness == null ? "" : "&witness=" + witness);
    Store store = Stores.open(new StoreOptions(url, GROUP, INTERVAL, SILENCE, INTERVAL, null));
    opened.add(store);
    return (PairStore) store;
  }

  private static SessionId session(Store store, String node) {
    return store.openSession(new NodeInfo(NodeName.of(node), Location.ROOT, "127.0.0.1:1"),
        Map.of(WEB, ProviderStatus.WAITING), null);
  }

  @Test
  void theBackupGoesLiveAtAHigherTermAndEpochWhenTheLiveMemberStops() {
    PairStore a = member("a", null);
    PairStore b = member("b", null);
    assertThat(a.role()).isEqualTo(PairMember.Role.LIVE);
    assertThat(b.role()).isEqualTo(PairMember.Role.BACKUP);
    SessionId onA = session(a, "node-a");
    ClaimResult first = a.claim(new ClaimRequest(WEB, 0, onA, null));
    assertThat(first.granted()).isTrue();
    await("the backup's copy holds the claim").atMost(Duration.ofSeconds(5))
        .until(() -> b.snapshot().ownership(WEB).epoch() == first.ownership().epoch());
    SessionId onB = session(b, "node-b");

    opened.remove(a);
    a.close();

    await("the backup live").atMost(Duration.ofSeconds(5)).until(() -> b.role() == PairMember.Role.LIVE);
    assertThat(b.term()).isGreaterThan(1);
    assertThat(b.snapshot().node(NodeName.of("node-a")).orElseThrow().state()).isEqualTo(SessionState.EXPIRED);
    assertThat(b.snapshot().node(NodeName.of("node-b")).orElseThrow().state()).isEqualTo(SessionState.LIVE);
    ClaimResult taken = b.claim(new ClaimRequest(WEB, first.ownership().epoch(), onB, null));
    assertThat(taken.granted()).as(taken.reason()).isTrue();
    assertThat(taken.ownership().epoch()).isGreaterThan(first.ownership().epoch());
  }

  @Test
  void aMemberThatComesBackJoinsAsTheBackupOfTheNewLiveOne() {
    PairStore a = member("a", null);
    PairStore b = member("b", null);
    opened.remove(a);
    a.close();
    await("the backup live").atMost(Duration.ofSeconds(5)).until(() -> b.role() == PairMember.Role.LIVE);
    b.putNodeSettings(NodeName.of("node-a"), new dev.baton.core.store.NodeSettings(true));

    PairStore again = member("a", null);

    assertThat(again.role()).isEqualTo(PairMember.Role.BACKUP);
    assertThat(again.term()).isEqualTo(b.term());
    assertThat(b.role()).isEqualTo(PairMember.Role.LIVE);
    await("its copy holds what was written while it was away").atMost(Duration.ofSeconds(5)).until(() ->
        again.snapshot().settings().node(NodeName.of("node-a")).drained());
  }

  @Test
  void aCutLinkWithAWitnessLeavesExactlyOneLiveMemberAtEveryMoment() throws Exception {
    String witness = "sqlite:" + dir.resolve("witness.db");
    PairStore a = member("a", witness);
    PairStore b = member("b", witness);
    assertThat(a.role()).isEqualTo(PairMember.Role.LIVE);

    toA.cut();
    toB.cut();
    long end = System.nanoTime() + SILENCE.multipliedBy(10).toNanos();
    while (System.nanoTime() < end) {
      boolean bothLive = a.role() == PairMember.Role.LIVE && b.role() == PairMember.Role.LIVE;
      assertThat(bothLive).as("both members live at once").isFalse();
      Thread.sleep(2);
    }
    assertThat(a.role()).as("the live member keeps renewing at the witness").isEqualTo(PairMember.Role.LIVE);

    toA.heal();
    toB.heal();
    await("heartbeats again").atMost(Duration.ofSeconds(5)).until(() ->
        a.role() == PairMember.Role.LIVE && b.role() == PairMember.Role.BACKUP);
  }

  @Test
  void aCutLinkWithoutAWitnessMakesBothLiveAndHealingKeepsTheNewerTerm() {
    PairStore a = member("a", null);
    PairStore b = member("b", null);

    toA.cut();
    toB.cut();
    await("both live, as documented").atMost(Duration.ofSeconds(5)).until(() ->
        a.role() == PairMember.Role.LIVE && b.role() == PairMember.Role.LIVE);
    assertThat(b.term()).isGreaterThan(a.term());

    toA.heal();
    toB.heal();
    await("one live again: the newer term").atMost(Duration.ofSeconds(5)).until(() ->
        a.role() == PairMember.Role.BACKUP && b.role() == PairMember.Role.LIVE);
    assertThat(a.term()).isEqualTo(b.term());
  }

  @Test
  void forgedStaleAndReplayedHeartbeatsAreRefusedAndChangeNothing() throws Exception {
    PairStore a = member("a", null);
    PairStore b = member("b", null);
    await("a heartbeat recorded").atMost(Duration.ofSeconds(5)).until(() -> toB.recorded.size() > 200);
    long term = b.term();

    // A real frame from the live member, sent once more: its sequence number was seen.
    byte[] recorded;
    synchronized (toB.recorded) {
      recorded = toB.recorded.toByteArray();
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(recorded));
    int length = in.readInt();
    byte[] frame = new byte[4 + length + 32];
    System.arraycopy(recorded, 0, frame, 0, frame.length);
    assertThat(refused(frame)).as("a replayed frame").isTrue();

    // A beat of a much higher term, signed with another key.
    Frames forger = new Frames("not the key of this pair at all".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5));
    Link.Sender stranger = new Link.Sender(GROUP, "127.0.0.1:" + portA);
    assertThat(refused(forger, stranger.message("beat", 0,
        new PairMember.Beat(99, false, 99, Map.of(), Map.of())))).as("a forged beat").isTrue();

    // A beat signed with the key but sent an hour ago.
    Frames keyed = new Frames(Frames.readKey(key), Duration.ofSeconds(5));
    Frames.Message fresh = stranger.message("beat", 0, new PairMember.Beat(99, false, 99, Map.of(), Map.of()));
    Frames.Message old = new Frames.Message(fresh.v(), fresh.group(), fresh.from(), fresh.inc(), fresh.seq(),
        fresh.at() - 3_600_000, fresh.type(), fresh.re(), fresh.body());
    assertThat(refused(keyed, old)).as("a stale beat").isTrue();

    assertThat(b.role()).isEqualTo(PairMember.Role.BACKUP);
    assertThat(b.term()).isEqualTo(term);
    assertThat(a.role()).isEqualTo(PairMember.Role.LIVE);
  }

  /** Whether the backup closes the connection on {@code frame} instead of answering it. */
  private boolean refused(byte[] frame) throws IOException {
    try (Socket s = new Socket("127.0.0.1", portB)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(frame);
      out.flush();
      return s.getInputStream().read() < 0;
    }
  }

  private boolean refused(Frames frames, Frames.Message message) throws IOException {
    try (Socket s = new Socket("127.0.0.1", portB)) {
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      frames.write(out, message);
      try {
        return s.getInputStream().read() < 0;
      } catch (EOFException e) {
        return true;
      }
    }
  }
}
