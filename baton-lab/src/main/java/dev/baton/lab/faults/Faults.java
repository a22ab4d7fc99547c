package dev.baton.lab.faults;

import java.util.List;

/** Every fault kind the suite knows, in the order the tables list them; a new kind is one more line here. */
public final class Faults {
  private Faults() {}

  public static List<Fault> all() {
    List<Fault> all = new java.util.ArrayList<>(List.of(
        new NodeCrash(),
        new AgentCrash(),
        new GuardianCrash(),
        new ServiceCrash(),
        new AgentStop(0.5, "0.5"),
        new AgentStop(0.9, "0.9"),
        new AgentStop(1.1, "1.1"),
        new AgentStop(2, "2"),
        new AgentStop(3, "3"),
        new NodeFreeze(),
        new NodeCpuStarved(),
        new MoveFrozenOwner(),
        new CpuStress(),
        new PostgresCrash(),
        new PostgresHang(),
        new SqliteLock(),
        new SqliteDiskFull(),
        new SqliteUnreadable(),
        new ZooKeeperLoss(1),
        new ZooKeeperLoss(2),
        new StoreCut(Netns.Cut.BOTH_WAYS),
        new StoreCut(Netns.Cut.REPLIES),
        new StoreCut(Netns.Cut.LOSSY),
        new SlowLink(),
        new StoreDelay(),
        new StoreResets(),
        new DisableCutOwner(),
        new AgentClockJump(),
        new StoreClockJump()));
    all.addAll(PairFaults.all());
    return List.copyOf(all);
  }
}
