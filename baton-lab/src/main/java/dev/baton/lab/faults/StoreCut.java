package dev.baton.lab.faults;


/**
 * A node cut off from the store by the network for 2 x lease, then healed (docs/reliability.md, "agent
 * cut from store", "one-way cut" and "lossy network"): an nftables table in the node's own network
 * namespace drops the store's traffic both ways, or only the store's replies (so that the agent's
 * renewals still arrive and commit while it hears nothing back), or a random share of the packets
 * each way. Runs where the bench put every node in a namespace
 * of its own: as root, with iproute2 and nftables, on the PostgreSQL and ZooKeeper stores (a SQLite
 * file cannot be cut off by a network).
 */
final class StoreCut extends Fault {
  private final Netns.Cut cut;

  StoreCut(Netns.Cut cut) {
    super(switch (cut) {
      case BOTH_WAYS -> "store-cut";
      case REPLIES -> "store-cut-replies";
      case LOSSY -> "store-lossy";
    }, Aim.NODE, false, switch (cut) {
      case BOTH_WAYS -> "nftables in the node's network namespace drops all traffic to and from the store for 2 x lease";
      case REPLIES -> "nftables in the node's network namespace drops the store's replies for 2 x lease (requests still arrive)";
      case LOSSY -> "nftables in the node's network namespace drops " + Netns.LOSS_PERCENT
          + "% of the packets to and from the store, at random, for 2 x lease";
    }, Setup.NETWORK);
    this.cut = cut;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    Netns net = context.network().orElseThrow();
    Netns.Host host = target.node().requireNetns();
    return Injected.at(breakFor(context, target.who() + " " + kind() + " in " + host.namespace() + " for 2 x lease", 2,
        () -> net.cut(host, cut), () -> net.heal(host)));
  }
}
