package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultTest {

  private static FaultContext context(String store, Set<Fault.Setup> setUp) {
    return new FaultContext(null, Duration.ofMillis(200), Duration.ofSeconds(1), store, FencingChecker.Mode.ENFORCING,
        true, setUp, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), new Random(1));
  }

  private static Fault kind(String name) {
    return Faults.all().stream().filter(f -> f.kind().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aKindWhoseSetupWasNotMadeDoesNotRunAndSaysWhy() {
    for (Fault f : Faults.all()) {
      for (String store : new String[] {"sqlite", "postgresql", "zookeeper"}) {
        if (f.runsWith(store) && !f.needs().isEmpty()) {
          assertThat(f.unavailable(context(store, EnumSet.noneOf(Fault.Setup.class))))
              .as(f.kind() + " on " + store + " without " + f.needs())
              .hasValueSatisfying(why -> assertThat(why).doesNotStartWith("only with --store"));
        }
      }
    }
  }

  @Test
  void aKindRunsOnceWhatItNeedsIsSetUp() {
    Set<Fault.Setup> all = EnumSet.allOf(Fault.Setup.class);
    assertThat(kind("store-cut").unavailable(context("postgresql", all))).isEmpty();
    assertThat(kind("disable-cut-owner").unavailable(context("zookeeper", all))).isEmpty();
    assertThat(kind("node-freeze").unavailable(context("sqlite", all))).isEmpty();
    assertThat(kind("move-frozen-owner").unavailable(context("postgresql", all))).isEmpty();
    assertThat(kind("sqlite-disk-full").unavailable(context("sqlite", all))).isEmpty();
    assertThat(kind("store-clock-jump").unavailable(context("postgresql", all))).isEmpty();
  }

  @Test
  void aKindForAnotherStoreSaysWhichStoreEvenWithEverythingSetUp() {
    Set<Fault.Setup> all = EnumSet.allOf(Fault.Setup.class);
    assertThat(kind("store-clock-jump").unavailable(context("zookeeper", all))).hasValue("only with --store postgresql");
    assertThat(kind("sqlite-disk-full").unavailable(context("postgresql", all))).hasValue("only with --store sqlite");
  }

  @Test
  void theNetworkNeverAppliesToSqlite() {
    assertThat(Fault.Setup.NETWORK.unavailable("sqlite", true)).hasValue("a SQLite file cannot be cut off by the network");
    assertThat(kind("store-cut").runsWith("sqlite")).isFalse();
    assertThat(kind("store-cut").unavailable(context("sqlite", EnumSet.noneOf(Fault.Setup.class))))
        .hasValue("a SQLite file cannot be cut off by the network");
  }

  @Test
  void aKindRunsOnlyWithTheStoresItsSetupsApplyTo() {
    for (String k : new String[] {"store-cut", "store-cut-replies", "store-lossy", "slow-link", "store-delay", "store-resets",
        "disable-cut-owner"}) {
      assertThat(kind(k).runsWith("sqlite")).as(k + " with sqlite").isFalse();
      assertThat(kind(k).runsWith("postgresql")).as(k + " with postgresql").isTrue();
      assertThat(kind(k).runsWith("zookeeper")).as(k + " with zookeeper").isTrue();
    }
    assertThat(kind("sqlite-unreadable").runsWith("zookeeper")).isFalse();
    assertThat(kind("agent-clock-jump").runsWith("sqlite")).isTrue();
    assertThat(kind("node-freeze").runsWith("zookeeper")).isTrue();
  }
}
