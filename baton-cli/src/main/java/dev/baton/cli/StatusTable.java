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

  public static String render(StatusResponse s) {
    StringBuilder out = new StringBuilder();
    out.append("group ").append(s.group()).append(" (as seen by ").append(s.node()).append(")\n\n");
    List<String[]> nodes = new ArrayList<>();
    nodes.add(new String[] {"NODE", "STATE", "LOCATION", "LEASE", "API"});
    for (NodeStatus n : s.nodes()) {
      nodes.add(new String[] {n.name(), n.state(), n.location().isEmpty() ? "-" : n.location(),
          n.lease() == null ? "?" : n.lease(), n.api()});
    }
    table(out, nodes);
    out.append('\n');
    List<String[]> services = new ArrayList<>();
    services.add(new String[] {"SERVICE", "STATE", "OWNER", "EPOCH", "PROVIDER", "PROVIDER STATE", "REASON"});
    for (ServiceStatus svc : s.services()) {
      String owner = (svc.owner() == null ? "-" : svc.owner()) + (svc.moving() == null ? "" : " -> " + svc.moving());
      if (svc.providers().isEmpty()) {
        services.add(new String[] {svc.name(), svc.state(), owner, Long.toString(svc.epoch()), "-", "-", ""});
      }
      boolean first = true;
      for (ProviderEntry p : svc.providers()) {
        services.add(new String[] {first ? svc.name() : "", first ? svc.state() : "", first ? owner : "",
            first ? Long.toString(svc.epoch()) : "",
            p.node(), p.state(), p.reason() == null ? "" : p.reason()});
        first = false;
      }
    }
    if (s.services().isEmpty()) {
      out.append("no services\n");
    } else {
      table(out, services);
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
    if (!drained.isEmpty()) {
      out.append("\ndrained (no services until `baton undrain NODE`): ").append(String.join(", ", drained)).append('\n');
    }
    if (!disabled.isEmpty()) {
      out.append(drained.isEmpty() ? "\n" : "").append("disabled (run nowhere until `baton enable SERVICE`): ")
          .append(String.join(", ", disabled)).append('\n');
    }
    return out.toString();
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
