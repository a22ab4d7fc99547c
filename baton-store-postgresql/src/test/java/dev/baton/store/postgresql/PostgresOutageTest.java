package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The database going away is survived without reopening the store: calls fail fast with
 * StoreException while PostgreSQL is down and work again once it is back, and watchers hear
 * about it. Uses a server of its own, since it stops it.
 */
class PostgresOutageTest {
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(500);
  /** Longer than an outage here, so the session outlives it. */
  private static final Duration LEASE = Duration.ofSeconds(20);
  /** How much longer than the call timeout a failing call may take (scheduling on a busy machine). */
  private static final Duration SLACK = Duration.ofMillis(1500);

  @RegisterExtension
  static final PrivatePostgres postgres = new PrivatePostgres();

  @Test
  void callsFailFastWhileTheServerIsStoppedAndWorkAgainAfterItStartsWithoutReopeningTheStore() throws Exception {
    survivesAnOutage(LocalPostgres::stop);
  }

  @Test
  void theStoreAlsoSurvivesTheServerCrashing() throws Exception {
    survivesAnOutage(LocalPostgres::stopImmediate);
  }

  private void survivesAnOutage(Consumer<LocalPostgres> stop) throws Exception {
    LocalPostgres server = postgres.server();
    String url = server.createDatabase("outage_" + UUID.randomUUID().toString().substring(0, 8).replace('-', '_'));
    GroupName group = GroupName.of("outage");
    try (Store store = Stores.open(new StoreOptions(url, group, LEASE.dividedBy(4), LEASE, CALL_TIMEOUT, null));
        Store other = Stores.open(new StoreOptions(url, group, LEASE.dividedBy(4), LEASE, CALL_TIMEOUT, null))) {
      SessionId session = store.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:7070"),
          Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), null);
      assertThat(store.claim(new ClaimRequest(ServiceName.of("mailer"), 0, session, null)).granted()).isTrue();
      AtomicInteger calls = new AtomicInteger();
      AutoCloseable watch = other.watch(calls::incrementAndGet);
      try {
        stop.accept(server);
        try {
          assertFailsFast(() -> store.renew(session));
          assertFailsFast(store::snapshot);
          assertFailsFast(() -> store.claim(new ClaimRequest(ServiceName.of("other"), 0, session, null)));
          assertFailsFast(() -> store.appendEvent(new EventDraft(
              Instant.now(), "test", null, null, null, null)));
        } finally {
          server.start();
        }
        int beforeReconnect = calls.get();
        await("renewal works again").atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(StoreException.class)
            .until(() -> store.renew(session) > 0);
        assertThat(store.snapshot().node(NodeName.of("node-a")).orElseThrow().state()).isEqualTo(SessionState.LIVE);
        assertThat(store.snapshot().ownership(ServiceName.of("mailer")).session()).isEqualTo(session);
        await("watch called after its connection came back").atMost(Duration.ofSeconds(15))
            .until(() -> calls.get() > beforeReconnect);

        int beforeRelease = calls.get();
        assertThat(store.release(ServiceName.of("mailer"), session, 1)).isTrue();
        await("watch called for a change after the outage").atMost(Duration.ofSeconds(15))
            .until(() -> calls.get() > beforeRelease);
      } finally {
        watch.close();
      }
    }
  }

  private static void assertFailsFast(Runnable call) {
    long started = System.nanoTime();
    assertThatThrownBy(call::run).isInstanceOf(StoreException.class).hasMessageContaining("group=outage");
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).as("time to fail").isLessThan(CALL_TIMEOUT.plus(SLACK));
  }
}
