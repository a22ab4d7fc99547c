package dev.baton.agent.config;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The whole config of one node, validated and immutable. {@link ConfigLoader} builds it from a
 * YAML file; an application that embeds a node may build it in code.
 *
 * @param file the config file it was read from (absolute), or null when built in code
 * @param group the group this node joins
 * @param node this node's name, unique in the group
 * @param location where this node stands; {@link Location#ROOT} when not configured
 * @param api where the HTTP API listens
 * @param store the store URL; a {@code sqlite:} URL holds an absolute path
 * @param storePasswordFile a file holding the store password (absolute), or null
 * @param timing heartbeat, lease and fence margin
 * @param stateDir where the agent keeps logs and its mirrored state (absolute)
 * @param services the services this node can provide, sorted by name, unmodifiable; may be empty
 *     (a node that only takes part in the group)
 * @param events webhooks
 * @param rules detector rules, in the order of the file
 * @param guardian whether {@code baton agent} runs a guardian process beside the agent
 *     (docs/guardian.md)
 * @param containment how each service's processes are held together
 * @param serviceLogs how the services' output files are rotated
 * @param access the API's advertised address, token and whether it may be open beyond loopback
 */
public record AgentConfig(Path file, GroupName group, NodeName node, Location location,
    ApiListen api, String store, Path storePasswordFile, Timing timing,
    Path stateDir, Map<ServiceName, ServiceConfig> services, EventsConfig events, List<RuleConfig> rules,
    boolean guardian, Containment containment, ServiceLogs serviceLogs, ApiAccess access) {

  public AgentConfig {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(timing, "timing");
    Objects.requireNonNull(stateDir, "stateDir");
    services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
    services.forEach((name, service) -> {
      if (!name.equals(service.name())) {
        throw new InvalidInputException("service config for " + service.name() + " is filed under " + name);
      }
    });
    Objects.requireNonNull(events, "events");
    rules = List.copyOf(rules);
    Objects.requireNonNull(containment, "containment");
    Objects.requireNonNull(serviceLogs, "serviceLogs");
    Objects.requireNonNull(access, "access");
  }

  /** A config whose API is open ({@link ApiAccess#NONE}). */
  public AgentConfig(Path file, GroupName group, NodeName node, Location location,
      ApiListen api, String store, Path storePasswordFile, Timing timing,
      Path stateDir, Map<ServiceName, ServiceConfig> services, EventsConfig events, List<RuleConfig> rules,
      boolean guardian, Containment containment, ServiceLogs serviceLogs) {
    this(file, group, node, location, api, store, storePasswordFile, timing, stateDir, services, events, rules,
        guardian, containment, serviceLogs, ApiAccess.NONE);
  }

  /** This config, allowed to serve its API beyond loopback without a token ({@code baton agent --insecure}). */
  /** Whether this node is a member of a hot-backup pair started as its backup. */
  public boolean pairBackup() {
    return store.startsWith("pair://") && (store.contains("?role=backup") || store.contains("&role=backup"));
  }

  /**
   * This config with the node started as its pair's backup ({@code baton agent -b}).
   *
   * @throws dev.baton.core.InvalidInputException when the store is not a pair
   */
  public AgentConfig asPairBackup() {
    if (!store.startsWith("pair://")) {
      throw new dev.baton.core.InvalidInputException("-b starts a member of a hot-backup pair as the backup; this"
          + " node's store is not a pair (store: pair://PEER_HOST:PORT with a pair: section)");
    }
    String url = store.replaceAll("([?&])role=[a-z]*&?", "$1");
    url = url.endsWith("&") || url.endsWith("?") ? url.substring(0, url.length() - 1) : url;
    url = url + (url.contains("?") ? "&" : "?") + "role=backup";
    return new AgentConfig(file, group, node, location, api, url, storePasswordFile, timing, stateDir, services,
        events, rules, guardian, containment, serviceLogs, access);
  }

  public AgentConfig insecure() {
    return new AgentConfig(file, group, node, location, api, store, storePasswordFile, timing, stateDir, services,
        events, rules, guardian, containment, serviceLogs, access.withInsecure());
  }

  /** A config with the default containment ({@link Containment#AUTO}) and service logs. */
  public AgentConfig(Path file, GroupName group, NodeName node, Location location, ApiListen api, String store,
      Path storePasswordFile, Timing timing, Path stateDir, Map<ServiceName, ServiceConfig> services,
      EventsConfig events, List<RuleConfig> rules, boolean guardian) {
    this(file, group, node, location, api, store, storePasswordFile, timing, stateDir, services, events, rules,
        guardian, Containment.AUTO, ServiceLogs.DEFAULT);
  }

  /** A config without webhooks and rules, with the guardian on (the default). */
  public AgentConfig(Path file, GroupName group, NodeName node, Location location, ApiListen api, String store,
      Path storePasswordFile, Timing timing, Path stateDir, Map<ServiceName, ServiceConfig> services) {
    this(file, group, node, location, api, store, storePasswordFile, timing, stateDir, services, EventsConfig.NONE,
        List.of(), true);
  }
}
