package dev.baton.cli;

import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import java.util.ArrayList;
import java.util.List;

/** The whiteboard as aligned text tables. */
public final class StatusTable {
  private StatusTable() {}

  /** The word that marks a paused service; {@link #bold} makes it bold on a terminal. */
  static final String PAUSED = "PAUSED";

  public static String render(StatusResponse s) {
    StringBuilder out = new StringBuilder();
    out.append("group ").append(s.group()).append(" (as seen by ").append(s.node())
        .append(s.viewAgeMillis() == null ? ""
            : ", view " + dev.baton.core.Durations.format(java.time.Duration.ofMillis(s.viewAgeMillis())) + " old")
        .append(")\n");
    if (s.store() != null) {
      out.append(s.store()).append('\n');
    }
    out.append('\n');
    // The version is worth a column only when the nodes do not all run the same one (a rolling upgrade).
    java.util.Map<String, List<String>> versions = new java.util.TreeMap<>();
    s.nodes().forEach(n -> versions.computeIfAbsent(version(n), v -> new ArrayList<>()).add(n.name()));
    boolean mixed = versions.size() > 1;
    List<String[]> nodes = new ArrayList<>();
    nodes.add(mixed ? new String[] {"NODE", "STATE", "LOCATION", "LEASE", "API", "VERSION"}
        : new String[] {"NODE", "STATE", "LOCATION", "LEASE", "API"});
    for (NodeStatus n : s.nodes()) {
      String[] row = {n.name(), n.state(), n.location().isEmpty() ? "-" : n.location(),
          n.lease() == null ? "?" : n.lease(), n.api()};
      if (mixed) {
        row = java.util.Arrays.copyOf(row, 6);
        row[5] = version(n);
      }
      nodes.add(row);
    }
    table(out, nodes);
    if (mixed) {
      out.append("nodes run different versions of Baton: ").append(String.join("; ", versions.entrySet().stream()
          .map(e -> e.getKey() + " on " + String.join(", ", e.getValue())).toList())).append('\n');
    }
    out.append('\n');
    List<String[]> services = new ArrayList<>();
    services.add(new String[] {"SERVICE", "STATE", "OWNER", "EPOCH", "PROVIDER", "PROVIDER STATE", "REASON"});
    for (ServiceStatus svc : s.services()) {
      String owner = (svc.owner() == null ? "-" : svc.owner()) + (svc.moving() == null ? "" : " -> " + svc.moving());
      String state = svc.pausedSince() == null ? svc.state() : PAUSED + " " + svc.pausedFor() + " (" + svc.state() + ")";
      if (svc.providers().isEmpty()) {
        services.add(new String[] {svc.name(), state, owner, Long.toString(svc.epoch()), "-", "-", ""});
      }
      boolean first = true;
      for (ProviderEntry p : svc.providers()) {
        services.add(new String[] {first ? svc.name() : "", first ? state : "", first ? owner : "",
            first ? Long.toString(svc.epoch()) : "",
            p.node(), p.state(), p.reason() == null ? "" : p.reason()});
        first = false;
      }
    }
    if (s.services().isEmpty()) {
      out.append("no services\n");
    } else {
      table(out, services);
      out.append('\n');
      table(out, line(s.services()));
    }
    List<String> drained = s.nodes().stream().filter(n -> n.state().equals("drained")).map(NodeStatus::name).toList();
    List<String> disabled = s.services().stream().filter(x -> x.state().equals("disabled")).map(ServiceStatus::name)
        .toList();
    List<String> bans = new ArrayList<>();
    for (ServiceStatus svc : s.services()) {
      for (ProviderEntry p : svc.providers()) {
        if (p.bannedUntil() != null) {
          bans.add("  " + svc.name() + " on " + p.node() + " until " + p.bannedUntil() + (p.failed() ? " (failed)" : ""));
        }
      }
    }
    if (!bans.isEmpty()) {
      out.append("\nbanned (until the time shown, or `baton clear SERVICE --node NODE`):\n");
      bans.forEach(b -> out.append(b).append('\n'));
    }
    List<String> paused = s.services().stream().filter(x -> x.pausedSince() != null)
        .map(x -> x.name() + " for " + x.pausedFor() + " (since " + x.pausedSince() + ")").toList();
    if (!paused.isEmpty()) {
      out.append("\n").append(PAUSED).append(": Baton starts, stops and moves nothing of these until `baton resume"
          + " SERVICE` (or --all):\n");
      paused.forEach(p -> out.append("  ").append(p).append('\n'));
    }
    if (!drained.isEmpty()) {
      out.append("\ndrained (no services until `baton undrain NODE`): ").append(String.join(", ", drained)).append('\n');
    }
    if (!disabled.isEmpty()) {
      out.append(drained.isEmpty() ? "\n" : "").append("disabled (run nowhere until `baton enable SERVICE`): ")
          .append(String.join(", ", disabled)).append('\n');
    }
    return out.toString();
  }

  /**
   * Per service: who takes over if the owner went now, the ranking placement applies and where it
   * comes from, and the takeover that is due while the owner's node is not renewing its session.
   */
  private static List<String[]> line(List<ServiceStatus> services) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"SERVICE", "NEXT IN LINE", "RANKING", "TAKEOVER"});
    for (ServiceStatus svc : services) {
      rows.add(new String[] {svc.name(), svc.next() == null ? "-" : svc.next(), ranking(svc),
          svc.takeoverIn() == null ? "" : "in " + svc.takeoverIn() + " (" + svc.owner() + " not renewing)"});
    }
    return rows;
  }

  private static String ranking(ServiceStatus svc) {
    if (svc.ranking() == null || svc.ranking().isEmpty()) {
      return "-";
    }
    String source = svc.ranking().get(0).source();
    boolean positions = source.equals("operator");
    return String.join(", ", svc.ranking().stream().map(e -> positions ? e.node() : e.node() + "=" + e.rank()).toList())
        + " (" + source + ")";
  }

  /**
   * One service in detail ({@code baton status SERVICE}): its owner and line, each provider in
   * its place with the reason, the ranking and the next in line.
   */
  public static String renderService(ServiceStatus svc) {
    StringBuilder out = new StringBuilder();
    out.append(svc.name()).append(": ").append(svc.state()).append(", owner ")
        .append(svc.owner() == null ? "none" : svc.owner()).append(svc.moving() == null ? "" : " -> " + svc.moving())
        .append(", epoch ").append(svc.epoch()).append('\n');
    if (svc.pausedSince() != null) {
      out.append(PAUSED).append(" for ").append(svc.pausedFor()).append(" (since ").append(svc.pausedSince())
          .append("): Baton starts, stops and moves nothing of ").append(svc.name()).append(" until `baton resume ")
          .append(svc.name()).append("`\n");
    }
    out.append("ranking: ").append(ranking(svc)).append('\n');
    out.append("failback: ").append(svc.failback() == null ? "sticky" : svc.failback())
        .append("rank".equals(svc.failback()) ? " after " + svc.failbackDelay() : "").append('\n');
    out.append("next in line: ").append(svc.next() == null ? "none (no other candidate)" : svc.next()).append('\n');
    if (svc.takeoverIn() != null) {
      out.append("takeover: ").append(svc.owner()).append(" is not renewing its session; its lease passes in ")
          .append(svc.takeoverIn()).append(svc.next() == null ? "" : ", then " + svc.next() + " takes over").append('\n');
    }
    out.append('\n');
    List<ProviderEntry> ordered = new ArrayList<>(svc.providers());
    // In line order: candidates by place, then the others by name.
    ordered.sort(java.util.Comparator.comparing((ProviderEntry p) -> p.place() == null ? Integer.MAX_VALUE : p.place())
        .thenComparing(ProviderEntry::node));
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"#", "PROVIDER", "STATE", "RANK", "REASON"});
    for (ProviderEntry p : ordered) {
      String reason = p.reason() == null ? "" : p.reason();
      if (p.bannedUntil() != null) {
        reason += (reason.isEmpty() ? "" : "; ") + "banned until " + p.bannedUntil() + (p.failed() ? " (failed)" : "");
      }
      rows.add(new String[] {p.place() == null ? "-" : p.place().toString(), p.node(), p.state(),
          p.rank() == null ? "-" : p.rank().toString(), reason});
    }
    if (svc.providers().isEmpty()) {
      out.append("no providers\n");
    } else {
      table(out, rows);
    }
    return out.toString();
  }

  private static String version(NodeStatus n) {
    return n.version() == null ? "unknown" : n.version();
  }

  /**
   * {@code text} with every {@link #PAUSED} in bold (ANSI), for a terminal: the tables are aligned
   * on the plain text first, and the escapes take no columns.
   */
  static String bold(String text) {
    return text.replace(PAUSED, "\u001b[1m" + PAUSED + "\u001b[0m");
  }

  private static void table(StringBuilder out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
