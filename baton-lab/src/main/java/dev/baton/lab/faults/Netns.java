package dev.baton.lab.faults;

import dev.baton.core.BatonException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private network for one fault run, so that an agent can be cut off from the store while the
 * rest of the machine is untouched (docs/reliability.md, "agent cut from store"). The store listens on
 * an address of its own, {@link #storeAddress()}, added to the host's loopback interface; every
 * node that may be cut runs in a network namespace of its own, joined to the host by a veth pair
 * ({@link #addHost}). A cut is an nftables table inside that namespace that drops the store's
 * traffic: both ways, or only the store's replies (the agent's requests still arrive and commit).
 *
 * <p>Everything is named after a random subnet index chosen at {@link #create()} (namespaces
 * {@code baton-R-I}, veths {@code btRhI}/{@code btRnI}, addresses {@code 10.200.R.x} and
 * {@code 10.201.R.1}) and removed by those recorded names at {@link #close()}. Needs root,
 * iproute2 and nftables ({@link #unavailableReason()}).
 */
public final class Netns implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Netns.class);
  private static final String TABLE = "baton_cut";

  /** Which of the store's traffic a cut drops. */
  public enum Cut {
    /** Nothing reaches the store and nothing comes back. */
    BOTH_WAYS,
    /** Requests reach the store (and commit); its replies are dropped. */
    REPLIES,
    /** A lossy link: {@value #LOSS_PERCENT}% of the packets each way, drawn at random, are dropped. */
    LOSSY
  }

  /** The share of packets a {@link Cut#LOSSY} link drops, each way. */
  public static final int LOSS_PERCENT = 30;

  /** One node's namespace: run its processes under {@link #exec()}; it is reached at {@link #address()}. */
  public record Host(String namespace, String address, String hostSide, String nsSide) {
    /** The command prefix that runs a program inside this namespace. */
    public List<String> exec() {
      return List.of("ip", "netns", "exec", namespace);
    }
  }

  private final int index;
  private final List<Host> hosts = new ArrayList<>();
  private boolean storeAddressAdded;

  private Netns(int index) {
    this.index = index;
  }

  /** Why this machine cannot make namespaces and cuts, or null when it can. */
  public static String unavailableReason() {
    if (!Processes.isRoot()) {
      return "network namespaces and nftables need root (running as " + System.getProperty("user.name") + ")";
    }
    for (String tool : List.of("ip", "nft")) {
      if (!Processes.onPath(tool)) {
        return "`" + tool + "` is not installed (Debian packages iproute2 and nftables)";
      }
    }
    return null;
  }

  /**
   * Chooses a subnet index that no interface of this machine uses yet and adds the store's
   * address to the loopback interface.
   */
  public static Netns create() {
    String reason = unavailableReason();
    if (reason != null) {
      throw new BatonException("cannot build a private network: " + reason);
    }
    String addresses = Processes.run(List.of("ip", "-o", "addr", "show"), null);
    for (int attempt = 0; attempt < 50; attempt++) {
      int index = ThreadLocalRandom.current().nextInt(1, 255);
      if (!addresses.contains(" 10.200." + index + ".") && !addresses.contains(" 10.201." + index + ".")) {
        Netns net = new Netns(index);
        Processes.run(List.of("ip", "addr", "add", net.storeAddress() + "/32", "dev", "lo"), null);
        net.storeAddressAdded = true;
        LOG.info("[netns {}] store address {} on lo", index, net.storeAddress());
        return net;
      }
    }
    throw new BatonException("cannot build a private network: no free 10.200.x.0/24 subnet");
  }

  /** The address the store listens on; nodes in namespaces reach it through their veth. */
  public String storeAddress() {
    return "10.201." + index + ".1";
  }

  /** The subnet of every namespace's address, for a server's allow list. */
  public String clientSubnet() {
    return "10.200." + index + ".0/24";
  }

  /** Creates the next namespace with its veth pair, loopback up and a default route to the host. */
  public synchronized Host addHost() {
    int i = hosts.size();
    if (i >= 63) {
      throw new BatonException("a private network holds at most 63 namespaces");
    }
    String ns = "baton-" + index + "-" + i;
    String hostSide = "bt" + index + "h" + i;
    String nsSide = "bt" + index + "n" + i;
    String gateway = "10.200." + index + "." + (4 * i + 1);
    Host host = new Host(ns, "10.200." + index + "." + (4 * i + 2), hostSide, nsSide);
    Processes.run(List.of("ip", "netns", "add", ns), null);
    hosts.add(host);
    Processes.run(List.of("ip", "link", "add", hostSide, "type", "veth", "peer", "name", nsSide, "netns", ns), null);
    Processes.run(List.of("ip", "addr", "add", gateway + "/30", "dev", hostSide), null);
    Processes.run(List.of("ip", "link", "set", hostSide, "up"), null);
    Processes.run(List.of("ip", "-n", ns, "addr", "add", host.address() + "/30", "dev", nsSide), null);
    Processes.run(List.of("ip", "-n", ns, "link", "set", nsSide, "up"), null);
    Processes.run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), null);
    Processes.run(List.of("ip", "-n", ns, "route", "add", "default", "via", gateway), null);
    LOG.info("[netns {}] namespace {} at {}", index, ns, host.address());
    return host;
  }

  /**
   * Joins two of this network's namespaces directly by a veth pair of their own ({@code btRp0} in
   * {@code a}, {@code btRp1} in {@code b}; {@code 10.203.R.1} and {@code .2}), for a hot-backup pair's
   * members, which talk to each other and to no store (the host does not forward between
   * namespaces). Returns the two addresses, {@code a}'s first; the veths go with the namespaces.
   */
  public synchronized List<String> link(Host a, Host b) {
    String[] veth = {"bt" + index + "p0", "bt" + index + "p1"};
    String[] address = {"10.203." + index + ".1", "10.203." + index + ".2"};
    Processes.run(List.of("ip", "link", "add", veth[0], "netns", a.namespace(), "type", "veth", "peer", "name", veth[1],
        "netns", b.namespace()), null);
    Host[] both = {a, b};
    for (int i = 0; i < 2; i++) {
      Processes.run(List.of("ip", "-n", both[i].namespace(), "addr", "add", address[i] + "/30", "dev", veth[i]), null);
      Processes.run(List.of("ip", "-n", both[i].namespace(), "link", "set", veth[i], "up"), null);
    }
    LOG.info("[netns {}] {} and {} linked at {} and {}", index, a.namespace(), b.namespace(), address[0], address[1]);
    return List.of(address[0], address[1]);
  }

  /**
   * Drops all traffic between {@code host}'s namespace and {@code peer} (an address of {@link #link}),
   * both ways, until {@link #heal}: the same table as a store cut.
   */
  public void cutPeer(Host host, String peer) {
    String rules = "table inet " + TABLE + " {\n"
        + "  chain in {\n    type filter hook input priority 0;\n    ip saddr " + peer + " drop\n  }\n"
        + "  chain out {\n    type filter hook output priority 0;\n    ip daddr " + peer + " drop\n  }\n}\n";
    List<String> command = new ArrayList<>(host.exec());
    command.addAll(List.of("nft", "-f", "-"));
    Processes.run(command, rules);
    LOG.info("[netns {}] cut {} from {}", index, host.namespace(), peer);
  }

  /** Drops the store's traffic in {@code host}'s namespace as {@code cut} says, until {@link #heal}. */
  public void cut(Host host, Cut cut) {
    String store = storeAddress();
    String drop = cut == Cut.LOSSY ? " numgen random mod 100 < " + LOSS_PERCENT + " drop\n" : " drop\n";
    StringBuilder rules = new StringBuilder("table inet " + TABLE + " {\n");
    rules.append("  chain in {\n    type filter hook input priority 0;\n    ip saddr ").append(store).append(drop).append("  }\n");
    if (cut != Cut.REPLIES) {
      rules.append("  chain out {\n    type filter hook output priority 0;\n    ip daddr ").append(store).append(drop).append("  }\n");
    }
    rules.append("}\n");
    List<String> command = new ArrayList<>(host.exec());
    command.addAll(List.of("nft", "-f", "-"));
    Processes.run(command, rules.toString());
    LOG.info("[netns {}] cut {} from the store ({})", index, host.namespace(), cut);
  }

  /**
   * Limits {@code host}'s link both ways to {@code rate} (a {@code tc} rate such as {@code 64kbit}) with
   * a token bucket ({@code tc qdisc ... tbf}; the kernel has no netem here), queueing at most 200 ms
   * of it and dropping the rest, until {@link #unthrottle}.
   */
  public void throttle(Host host, String rate) {
    List<String> tbf = List.of("root", "tbf", "rate", rate, "burst", "1600", "latency", "200ms");
    List<String> inside = new ArrayList<>(host.exec());
    inside.addAll(List.of("tc", "qdisc", "add", "dev", host.nsSide()));
    inside.addAll(tbf);
    Processes.run(inside, null);
    List<String> outside = new ArrayList<>(List.of("tc", "qdisc", "add", "dev", host.hostSide()));
    outside.addAll(tbf);
    Processes.run(outside, null);
    LOG.info("[netns {}] {} throttled to {}", index, host.namespace(), rate);
  }

  /** Removes the throttle of {@code host}, if any. */
  public void unthrottle(Host host) {
    List<String> inside = new ArrayList<>(host.exec());
    inside.addAll(List.of("tc", "qdisc", "del", "dev", host.nsSide(), "root"));
    for (List<String> command : List.of(inside, List.of("tc", "qdisc", "del", "dev", host.hostSide(), "root"))) {
      try {
        Processes.run(command, null);
      } catch (BatonException e) {
        if (!e.getMessage().contains("No such file or directory") && !e.getMessage().contains("Cannot delete qdisc with handle of zero")) {
          throw e;
        }
      }
    }
    LOG.info("[netns {}] {} unthrottled", index, host.namespace());
  }

  /** Removes the cut of {@code host}, if any. */
  public void heal(Host host) {
    List<String> command = new ArrayList<>(host.exec());
    command.addAll(List.of("nft", "delete", "table", "inet", TABLE));
    try {
      Processes.run(command, null);
      LOG.info("[netns {}] healed {}", index, host.namespace());
    } catch (BatonException e) {
      if (!e.getMessage().contains("No such file or directory")) {
        throw e;
      }
    }
  }

  /** Deletes every namespace, veth and address this network made, by their recorded names. */
  @Override
  public synchronized void close() {
    for (Host host : hosts) {
      quietly(List.of("ip", "link", "del", host.hostSide()));
      quietly(List.of("ip", "netns", "del", host.namespace()));
    }
    hosts.clear();
    if (storeAddressAdded) {
      quietly(List.of("ip", "addr", "del", storeAddress() + "/32", "dev", "lo"));
      storeAddressAdded = false;
    }
  }

  private void quietly(List<String> command) {
    try {
      Processes.run(command, null);
    } catch (BatonException e) {
      LOG.debug("[netns {}] cleanup: {}", index, e.getMessage());
    }
  }
}
