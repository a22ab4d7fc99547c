package dev.baton.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.GroupName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import dev.baton.store.tck.StoreTck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store TCK on one SQLite file, plus races that only a shared file has. */
class SqliteStoreTest extends StoreTck {
  @TempDir
  static Path dir;

  @Override
  protected String storeUrl() {
    return "sqlite:" + dir.resolve("tck.db");
  }

  @Test
  void storeInstancesRacingFreelyOnOneFileNeverGrantOneEpochTwice() throws Exception {
    GroupName group = freshGroup();
    ServiceName service = ServiceName.of("contended");
    // The race is about the compare-and-set, not about time: calls may wait for the file's write lock
    // as long as a loaded machine needs (with the default 500 ms, a busy CI machine failed a claim).
    Store first = open(group, Duration.ofSeconds(20));
    Store second = open(group, Duration.ofSeconds(20));
    SessionId s1 = openSession(first, "node-1", "contended");
    SessionId s2 = openSession(second, "node-2", "contended");
    int attempts = 60;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> racers = new ArrayList<>();
      for (Object[] racer : new Object[][] {{first, s1}, {second, s2}}) {
        Store store = (Store) racer[0];
        SessionId session = (SessionId) racer[1];
        racers.add(pool.submit(() -> {
          start.await();
          List<Long> granted = new ArrayList<>();
          for (int i = 0; i < attempts; i++) {
            long seen = store.snapshot().ownership(service).epoch();
            ClaimResult r = store.claim(new ClaimRequest(service, seen, session, null));
            if (r.granted()) {
              assertThat(r.ownership().epoch()).isEqualTo(seen + 1);
              granted.add(r.ownership().epoch());
              assertThat(store.release(service, session, r.ownership().epoch())).isTrue();
            }
          }
          return granted;
        }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> racer : racers) {
        all.addAll(racer.get(60, TimeUnit.SECONDS));
      }
      assertThat(all).doesNotHaveDuplicates();
      long last = first.snapshot().ownership(service).epoch();
      assertThat(all).hasSize((int) last);
      assertThat(all.stream().sorted().toList())
          .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, last).boxed().toList());
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
