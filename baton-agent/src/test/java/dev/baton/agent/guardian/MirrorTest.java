package dev.baton.agent.guardian;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.Agent;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.supervisor.ServiceTrees;
import dev.baton.agent.supervisor.Supervisor;
import dev.baton.core.ServiceName;
import dev.baton.core.store.SessionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's mirrored state in state-dir, as a restarted agent and the launcher read it. */
class MirrorTest {
  @TempDir Path dir;
  Process sleeper;
  Supervisor supervisor;

  @BeforeEach
  void startAProcess() throws Exception {
    sleeper = new ProcessBuilder("sleep", "60").start();
  }

  @AfterEach
  void stopIt() {
    if (supervisor != null) {
      supervisor.close();
    }
    sleeper.destroyForcibly();
  }

  @Test
  void aRestartedAgentReadsBackTheSessionAndEachServiceWithPidEpochAndStartTime() {
    Mirror mirror = new Mirror(dir);
    mirror.write(new SessionId("3-abc"), List.of(running("svc", 7)), false);

    Mirror.State state = new Mirror(dir).read().orElseThrow();

    assertThat(state.agentPid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(state.stopped()).isFalse();
    assertThat(state.session()).isEqualTo(new SessionId("3-abc"));
    assertThat(state.services()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo(ServiceName.of("svc"));
      assertThat(s.pid()).isEqualTo(sleeper.pid());
      assertThat(s.epoch()).isEqualTo(7);
      assertThat(s.process()).isPresent();
    });
    assertThat(Agent.mirroredPid(dir)).isEqualTo(OptionalLong.of(ProcessHandle.current().pid()));
  }

  @Test
  void aPidNowHeldByAProcessThatStartedAtAnotherTimeIsNotTheService() {
    long ticks = GuardianFiles.startTicks(sleeper.pid());
    assertThat(ticks).isPositive();
    Mirror.Service reused = new Mirror.Service(ServiceName.of("svc"), sleeper.pid(), 7, ticks - 100);
    Mirror.Service unknown = new Mirror.Service(ServiceName.of("svc"), sleeper.pid(), 7, 0);
    Mirror.Service same = new Mirror.Service(ServiceName.of("svc"), sleeper.pid(), 7, ticks);

    assertThat(reused.process()).isEmpty();
    assertThat(unknown.process()).as("a process whose start is not known is not taken for the service").isEmpty();
    assertThat(same.process()).isPresent();
  }

  @Test
  void theStartTimeIsTheKernelsBootRelativeOneNotTheWallClock() throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(sleeper.pid()), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertThat(GuardianFiles.startTicks(sleeper.pid())).isEqualTo(Long.parseLong(fields[19]));
    new Mirror(dir).write(new SessionId("3-abc"), List.of(running("svc", 7)), false);
    assertThat(Files.readString(dir.resolve(GuardianFiles.MIRROR)))
        .contains("service.svc.start-ticks=" + fields[19]);
  }

  @Test
  void aGracefulStopLeavesNoAgentToFollowAndAnUnreadableMirrorCountsAsNone() throws Exception {
    new Mirror(dir).write(null, List.of(), true);
    assertThat(new Mirror(dir).read().orElseThrow().stopped()).isTrue();
    assertThat(Agent.mirroredPid(dir)).isEmpty();

    Files.writeString(dir.resolve(GuardianFiles.MIRROR), "services=svc\nservice.svc.pid=not-a-number\n");
    assertThat(new Mirror(dir).read()).isEmpty();
  }

  /** The sleeper as a supervisor knows it once it has adopted it. */
  private Supervisor.Running running(String service, long epoch) {
    supervisor = new Supervisor("g", "node-a", "http://127.0.0.1:1", dir, null, null, ServiceTrees.processGroups(), exit -> {},
        () -> {});
    return supervisor.adopt(new ServiceConfig(ServiceName.of(service), List.of("sleep", "60"), Map.of(), null,
        Duration.ofSeconds(1)), epoch, new Supervisor.Spawned(sleeper.toHandle(), new CompletableFuture<>()));
  }
}
