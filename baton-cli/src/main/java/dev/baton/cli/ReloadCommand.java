package dev.baton.cli;

import dev.baton.api.ReloadResponse;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code baton reload}: the agent at {@code --api} reads its config file again and applies it,
 * for that one node. Prints what changed; a refused file (problems, or a setting only a restart can
 * change) prints the problems, one per line, and exits 2 with nothing changed.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
    description = {"Make the agent at --api read its config file again and apply it, without a restart (SIGHUP to"
        + " `baton agent` does the same). Only that node changes.",
        "Added services are provided from now on; removed ones are stopped (SIGTERM, then SIGKILL after their"
            + " stop-timeout) and released, so another node may take them; a service whose command, env or workdir"
            + " changed is restarted in place with its epoch; changed checks, recovery, stop-timeout, actions, rules,"
            + " webhooks and service-logs take effect; unchanged services keep running untouched.",
        "A file with problems, or one that changes a setting only a restart can change (group, node, api.listen,"
            + " store, store-password-file, timing, state-dir, guardian, containment), is refused whole: the"
            + " problems are printed, nothing changes, and the exit code is 2."})
final class ReloadCommand implements Callable<Integer> {
  @Mixin ApiOption api;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ReloadResponse r = api.client().reload();
    PrintWriter out = spec.commandLine().getOut();
    boolean any = !r.added().isEmpty() || !r.removed().isEmpty() || !r.restarted().isEmpty() || !r.changed().isEmpty()
        || !r.settings().isEmpty();
    out.println(r.node() + " reloaded " + r.file() + (any ? "" : ": nothing changed"));
    line(out, "added", r.added(), "provided from now on");
    line(out, "removed", r.removed(), "stopped if running, then released");
    line(out, "restarted", r.restarted(), "its process changed: restarted in place with its epoch");
    line(out, "changed", r.changed(), "new settings in force, the process untouched");
    line(out, "unchanged", r.unchanged(), null);
    line(out, "settings", r.settings(), null);
    out.flush();
    return ExitCodes.OK;
  }

  private static void line(PrintWriter out, String what, List<String> names, String meaning) {
    if (!names.isEmpty()) {
      out.printf("  %-10s %s%s%n", what + ":", String.join(", ", names), meaning == null ? "" : " (" + meaning + ")");
    }
  }
}
