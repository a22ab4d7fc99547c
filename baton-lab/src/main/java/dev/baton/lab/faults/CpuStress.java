package dev.baton.lab.faults;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The whole machine's CPU contended (docs/reliability.md, "CPU starvation: stress-ng --cpu 4"): four
 * busy workers for 2 x lease, then stopped. Every node, the store and the checker share the CPU
 * with them; nothing is paused, so safety must hold in either checker mode, and whatever moves is a
 * flap the tables count.
 */
final class CpuStress extends Fault {
  private static final int WORKERS = 4;

  CpuStress() {
    super("cpu-stress", Aim.MACHINE, false, "stress-ng --cpu " + WORKERS + " on the whole machine for 2 x lease, then stopped");
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return Processes.onPath("stress-ng") ? Optional.empty()
        : Optional.of("`stress-ng` is not installed (Debian package stress-ng)");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    long seconds = Math.max(1, Math.round(context.lease().toMillis() * 2 / 1000.0));
    Process[] stress = new Process[1];
    return Injected.at(breakFor(context, "stress-ng --cpu " + WORKERS + " for 2 x lease", 2,
        () -> stress[0] = new ProcessBuilder(List.of("stress-ng", "--cpu", String.valueOf(WORKERS), "--quiet",
            // A backstop: the workers end by themselves should this JVM die before it stops them.
            "--timeout", (seconds + 5) + "s"))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start(),
        () -> {
          // SIGTERM: stress-ng stops its workers before it exits.
          stress[0].destroy();
          if (!stress[0].waitFor(10, TimeUnit.SECONDS)) {
            stress[0].destroyForcibly();
          }
        }));
  }
}
