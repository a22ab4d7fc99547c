package dev.baton.agent.config;

import dev.baton.core.Durations;
import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a reload would change: the config a node runs with against the one its file now holds.
 * Pure; {@code Agent.reload} applies it.
 *
 * <p>Settings that only a restart can change ({@link #RESTART_ONLY}) make the reload refused:
 * the node's identity in the group and its session (group, node name and location, which its
 * session publishes; the lease and heartbeat its peers wait by), where it keeps its state and
 * serves its API, its store, and how it holds processes (guardian, containment). Everything else
 * changes at runtime.
 *
 * <p>A service's <em>process</em> is what its command, env and workdir decide: a change there
 * restarts a running provider in place (same epoch). Its other settings (checks, recovery,
 * stop-timeout, {@code on:} actions) take effect without touching the process.
 *
 * @param added services the new config provides and the running one does not
 * @param removed services the running config provides and the new one does not
 * @param restarted services whose process changes (command, env, workdir)
 * @param changed services with only other settings changed
 * @param unchanged services equal in both
 * @param settings node-wide settings that change at runtime: {@code rules}, {@code events.webhooks},
 *     {@code service-logs}
 */
public record ConfigChanges(SortedSet<ServiceName> added, SortedSet<ServiceName> removed,
    SortedSet<ServiceName> restarted, SortedSet<ServiceName> changed, SortedSet<ServiceName> unchanged,
    List<String> settings) {

  /** The keys a reload refuses to change, in the order they are checked. */
  public static final List<String> RESTART_ONLY = List.of("group", "node.name", "node.location", "api.listen",
      "api.advertise", "api.token-file", "api.tls", "store", "store-password-file", "timing.heartbeat", "timing.lease", "timing.fence-margin", "state-dir", "guardian",
      "containment");

  /**
   * The changes from {@code running} to {@code next}.
   *
   * @throws ConfigException naming each restart-only setting that differs (file {@code next.file()}),
   *     with its old and new value and that the agent must be restarted to apply it
   */
  public static ConfigChanges between(AgentConfig running, AgentConfig next) {
    Problems problems = new Problems(next.file() == null ? Path.of("(config)") : next.file());
    restartOnly(problems, "group", running, next, AgentConfig::group);
    restartOnly(problems, "node.name", running, next, AgentConfig::node);
    restartOnly(problems, "node.location", running, next, AgentConfig::location);
    restartOnly(problems, "api.listen", running, next, AgentConfig::api);
    restartOnly(problems, "api.advertise", running, next, c -> c.access().advertise());
    if (!Objects.equals(running.access().token(), next.access().token())) {
      // Not echoed: the token is a secret.
      problems.add("api.token-file", "changed (the file or the token in it); the API's token cannot change while the"
          + " agent runs. " + restartHint(next));
    }
    if (!Objects.equals(running.access().tls(), next.access().tls())) {
      problems.add("api.tls", "changed (the files, or the certificate or key in them); the API's TLS cannot change"
          + " while the agent runs. " + restartHint(next));
    }
    if (!running.store().equals(next.store())) {
      // Not echoed: a store URL may hold a password.
      problems.add("store", "changed; the store cannot change while the agent runs. " + restartHint(next));
    }
    restartOnly(problems, "store-password-file", running, next, AgentConfig::storePasswordFile);
    restartOnly(problems, "timing.heartbeat", running, next, c -> Durations.format(c.timing().heartbeat()));
    restartOnly(problems, "timing.lease", running, next, c -> Durations.format(c.timing().lease()));
    if (!(followsLease(running.timing()) && followsLease(next.timing()))) {
      // A margin that is the default for each lease changes with the lease, which is reported already.
      restartOnly(problems, "timing.fence-margin", running, next, c -> Durations.format(c.timing().fenceMargin()));
    }
    restartOnly(problems, "state-dir", running, next, AgentConfig::stateDir);
    restartOnly(problems, "guardian", running, next, AgentConfig::guardian);
    restartOnly(problems, "containment", running, next, c -> c.containment().name().toLowerCase(java.util.Locale.ROOT)
        .replace('_', '-'));
    if (!problems.isEmpty()) {
      throw problems.exception();
    }
    SortedSet<ServiceName> added = new TreeSet<>();
    SortedSet<ServiceName> removed = new TreeSet<>();
    SortedSet<ServiceName> restarted = new TreeSet<>();
    SortedSet<ServiceName> changed = new TreeSet<>();
    SortedSet<ServiceName> unchanged = new TreeSet<>();
    Map<ServiceName, ServiceConfig> before = running.services();
    for (ServiceConfig s : next.services().values()) {
      ServiceConfig old = before.get(s.name());
      if (old == null) {
        added.add(s.name());
      } else if (processChanged(old, s)) {
        restarted.add(s.name());
      } else if (!old.equals(s)) {
        changed.add(s.name());
      } else {
        unchanged.add(s.name());
      }
    }
    before.keySet().stream().filter(s -> !next.services().containsKey(s)).forEach(removed::add);
    List<String> settings = new ArrayList<>();
    if (!running.rules().equals(next.rules())) {
      settings.add("rules");
    }
    if (!running.events().webhooks().equals(next.events().webhooks())) {
      settings.add("events.webhooks");
    }
    if (!running.events().on().equals(next.events().on())) {
      settings.add("on");
    }
    if (!running.serviceLogs().equals(next.serviceLogs())) {
      settings.add("service-logs");
    }
    return new ConfigChanges(added, removed, restarted, changed, unchanged, List.copyOf(settings));
  }

  private static boolean followsLease(Timing t) {
    return t.fenceMargin().equals(Timing.defaultFenceMargin(t.lease()));
  }

  /** Whether the process a provider runs differs: its command, env or workdir. */
  public static boolean processChanged(ServiceConfig old, ServiceConfig next) {
    return !old.command().equals(next.command()) || !old.env().equals(next.env())
        || !Objects.equals(old.workdir(), next.workdir());
  }

  /** Whether anything changes at all. */
  public boolean any() {
    return !added.isEmpty() || !removed.isEmpty() || !restarted.isEmpty() || !changed.isEmpty() || !settings.isEmpty();
  }

  /** One line: {@code added [a]; removed [b]; restarted [c]; changed [d]; unchanged [e]; settings [rules]}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    part(parts, "added", added);
    part(parts, "removed", removed);
    part(parts, "restarted", restarted);
    part(parts, "changed", changed);
    part(parts, "unchanged", unchanged);
    if (!settings.isEmpty()) {
      parts.add("settings " + settings);
    }
    return parts.isEmpty() ? "no services, nothing changed" : (any() ? "" : "nothing changed; ") + String.join("; ", parts);
  }

  private static void part(List<String> parts, String what, SortedSet<ServiceName> services) {
    if (!services.isEmpty()) {
      parts.add(what + " " + services);
    }
  }

  private static void restartOnly(Problems problems, String key, AgentConfig running, AgentConfig next,
      Function<AgentConfig, Object> value) {
    Object was = value.apply(running);
    Object now = value.apply(next);
    if (!Objects.equals(was, now)) {
      problems.add(key, "changed from " + shown(was) + " to " + shown(now) + "; " + key
          + " cannot change while the agent runs. " + restartHint(next));
    }
  }

  private static String shown(Object value) {
    return value == null ? "(none)" : dev.baton.core.Text.quote(value.toString());
  }

  private static String restartHint(AgentConfig next) {
    return "Restart the agent to apply it (`baton stop`, then `baton agent -c "
        + (next.file() == null ? "FILE" : next.file()) + "`), or put the old value back to reload the rest";
  }
}
