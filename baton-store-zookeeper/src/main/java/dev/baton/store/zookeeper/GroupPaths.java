package dev.baton.store.zookeeper;

import dev.baton.core.GroupName;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.List;

/**
 * The znodes of one group, all under {@code <chroot>/groups/<group>}:
 *
 * <pre>
 * nodes/&lt;node&gt;               persistent: info, providers, latest session id, closed flag
 * sessions/&lt;node&gt;            EPHEMERAL, owned by the node's ZooKeeper session: the session id;
 *                             its data version is the renewal counter
 * services/&lt;service&gt;         persistent, never deleted: epoch, owner node, owner session
 * settings/services/&lt;svc&gt;    persistent: ranking, disabled, move-to and move-epoch (a planned move)
 * settings/nodes/&lt;node&gt;      persistent: drained
 * events/e-NNNNNNNNNN         persistent sequential: one event each, the newest kept
 * identity                    persistent, never changed: the group's identity (made by the first agent)
 * </pre>
 */
final class GroupPaths {
  final String group;
  final String nodes;
  final String sessions;
  final String services;
  final String serviceSettings;
  final String nodeSettings;
  final String events;
  final String identity;

  GroupPaths(String chroot, GroupName group) {
    this.group = chroot + "/groups/" + group.value();
    this.nodes = this.group + "/nodes";
    this.sessions = this.group + "/sessions";
    this.services = this.group + "/services";
    this.serviceSettings = this.group + "/settings/services";
    this.nodeSettings = this.group + "/settings/nodes";
    this.events = this.group + "/events";
    this.identity = this.group + "/identity";
  }

  /** Every directory the store needs, parents before children. */
  List<String> directories() {
    return List.of(group, nodes, sessions, services, group + "/settings", serviceSettings, nodeSettings,
        events);
  }

  String node(NodeName node) {
    return nodes + "/" + node.value();
  }

  String session(NodeName node) {
    return sessions + "/" + node.value();
  }

  String service(ServiceName service) {
    return services + "/" + service.value();
  }

  String serviceSettings(ServiceName service) {
    return serviceSettings + "/" + service.value();
  }

  String nodeSettings(NodeName node) {
    return nodeSettings + "/" + node.value();
  }

  /** The prefix of sequential event znodes; ZooKeeper appends ten digits. */
  String eventPrefix() {
    return events + "/e-";
  }

  /** Whether {@code path} is one of the session ephemerals (whose data changes are renewals). */
  boolean isSession(String path) {
    return path != null && path.startsWith(sessions + "/");
  }
}
