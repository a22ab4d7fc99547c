package dev.baton.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that has read the group reads only what changed since: each kind of write made through
 * another store on the same file must still show in its next snapshot, exactly as a fresh store
 * reads it.
 */
class SqliteSnapshotTest {
  private static final GroupName GROUP = GroupName.of("billing");
  private static final ServiceName A = ServiceName.of("svc-a");
  private static final ServiceName B = ServiceName.of("svc-b");

  @TempDir Path dir;

  private Store open() {
    return Stores.open(new StoreOptions("sqlite:" + dir.resolve("baton.db"), GROUP, Duration.ofMillis(500),
        Duration.ofSeconds(3), Duration.ofSeconds(2), null));
  }

  @Test
  void aWarmSnapshotSeesEveryKindOfWriteMadeThroughAnotherStore() {
    try (Store reader = open(); Store writer = open()) {
      SessionId n1 = writer.openSession(node("node-1"), Map.of(A, ProviderStatus.WAITING, B, ProviderStatus.WAITING), null);
      assertSameAsFresh(reader);
      SessionId n2 = writer.openSession(node("node-2"), Map.of(A, ProviderStatus.WAITING), null);
      assertSameAsFresh(reader);

      Ownership a = writer.claim(new ClaimRequest(A, 0, n1, null)).ownership();
      writer.claim(new ClaimRequest(B, 0, n1, null));
      assertThat(assertSameAsFresh(reader).ownership(A).session()).isEqualTo(n1);

      writer.publishProviders(n1, Map.of(A, ProviderStatus.of(ProviderState.PROVIDING)));
      Snapshot published = assertSameAsFresh(reader);
      assertThat(published.node(NodeName.of("node-1")).map(NodeRecord::providers).orElseThrow())
          .containsOnlyKeys(A);

      assertThat(writer.release(A, n1, a.epoch())).isTrue();
      assertThat(assertSameAsFresh(reader).ownership(A).session()).isNull();

      writer.claim(new ClaimRequest(A, a.epoch(), n2, null));
      writer.closeSession(n1);
      Snapshot closed = assertSameAsFresh(reader);
      assertThat(closed.ownership(A).session()).isEqualTo(n2);
      assertThat(closed.ownership(B).session()).isNull();
    }
  }

  private static NodeInfo node(String name) {
    return new NodeInfo(NodeName.of(name), Location.parse("eu/paris"), "127.0.0.1:7070");
  }

  /** The reader's (warm) snapshot equals the one a store opened now reads from scratch. */
  private Snapshot assertSameAsFresh(Store reader) {
    Snapshot warm = reader.snapshot();
    try (Store fresh = open()) {
      assertThat(warm).isEqualTo(fresh.snapshot());
    }
    return warm;
  }
}
