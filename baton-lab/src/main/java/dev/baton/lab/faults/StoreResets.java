package dev.baton.lab.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * Every connection between the agents and the store reset (TCP RST to both ends), four times, half
 * a lease apart (docs/reliability.md, "lossy, slow network: a small fault proxy for ... resets"): the
 * run's {@link StoreProxy} stands between every agent and every server. The agents' calls fail and
 * they connect again (a new JDBC connection, a ZooKeeper client reconnecting within its session).
 * Safety must hold; whatever moves is a flap the tables count.
 */
final class StoreResets extends Fault {
  private static final int RESETS = 4;

  StoreResets() {
    super("store-resets", Aim.STORE, false, "the store proxy resets every connection " + RESETS + " times, L/2 apart", Setup.STORE_PROXY);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    StoreProxy proxy = context.storeProxy().orElseThrow();
    long at = context.checker().fault(kind(), "store proxy resets every connection " + RESETS + " times, L/2 apart");
    List<Integer> counts = new ArrayList<>();
    for (int i = 0; i < RESETS; i++) {
      if (i > 0) {
        context.hold(0.5);
      }
      counts.add(proxy.resetAll());
    }
    context.checker().note("connections reset: " + counts);
    return Injected.at(at);
  }
}
