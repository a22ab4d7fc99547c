package dev.baton.agent.guardian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.config.Containment;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.supervisor.ServiceTrees;
import dev.baton.agent.supervisor.Supervisor;
import dev.baton.core.BatonException;
import dev.baton.core.ServiceName;
import dev.baton.core.store.SessionId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real guardian process (docs/guardian.md), driven by this test as its agent: the guardian tags
 * every service process with the session it was started under, refuses and kills what belongs to a
 * session that is no longer current, and tells an agent that connects every process it holds. The
 * "agent" the guardian keeps is a {@code sleep}; this JVM talks to the guardian as the agent does.
 */
class GuardianTest {
  static final SessionId OLD = new SessionId("1-old");
  static final SessionId NEW = new SessionId("2-new");
  static final Duration FAR = Duration.ofMinutes(10);

  @TempDir Path dir;
  Process guardian;
  final List<GuardianLink> links = new ArrayList<>();
  final List<Supervisor> supervisors = new ArrayList<>();
  final List<String> notes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startAGuardian() throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = GuardianMain.command(java.toString(), System.getProperty("java.class.path"), dir, 0, 0,
        List.of("sleep", "600"));
    guardian = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("guardian.log").toFile()).start();
    await("the guardian's socket").atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(dir.resolve(GuardianFiles.SOCKET)));
  }

  @AfterEach
  void stopTheGuardian() throws Exception {
    links.forEach(GuardianLink::close);
    guardian.destroy();
    if (!guardian.waitFor(10, TimeUnit.SECONDS)) {
      guardian.destroyForcibly();
    }
    supervisors.forEach(Supervisor::close);
  }

  /** A link as an agent opens it, connected. */
  GuardianLink connect() {
    GuardianLink link = new GuardianLink(dir, new GuardianLink.Env(dir.resolve(GuardianFiles.SOCKET), guardian.pid(), 0,
        List.of(), null), "node-a", new GuardianLink.Listener() {
          @Override
          public void note(String type, ServiceName service, Long epoch, String detail) {
            notes.add(type + " " + service + " " + epoch + ": " + detail);
          }

          @Override
          public void nodeGone(String why) {}
        });
    links.add(link);
    link.connect();
    return link;
  }

  Supervisor supervisor(GuardianLink link) {
    Supervisor s = new Supervisor("g", "node-a", "http://127.0.0.1:1", dir, link, null, ServiceTrees.processGroups(),
        exit -> {}, () -> {});
    supervisors.add(s);
    return s;
  }

  static ServiceConfig service(String name) {
    return new ServiceConfig(ServiceName.of(name), List.of("sleep", "600"), Map.of(), null, Duration.ofSeconds(1));
  }

  static long ticks(long pid) {
    return GuardianFiles.startTicks(pid);
  }

  @Test
  void anAgentThatConnectsIsToldEveryProcessTheGuardianHoldsWithItsSessionEpochAndBootRelativeStart() {
    GuardianLink first = connect();
    first.deadline(System.nanoTime() + FAR.toNanos(), OLD);
    Supervisor.Running a = supervisor(first).start(service("svc-a"), 4, OLD);
    Supervisor.Running b = supervisor(first).start(service("svc-b"), 9, OLD);
    first.close(); // the agent dies; the guardian keeps its processes

    GuardianLink second = connect();

    assertThat(second.held()).containsExactlyInAnyOrder(
        new GuardianLink.Held(ServiceName.of("svc-a"), 4, OLD, a.pid(), ticks(a.pid())),
        new GuardianLink.Held(ServiceName.of("svc-b"), 9, OLD, b.pid(), ticks(b.pid())));
    assertThat(second.held()).allSatisfy(h -> assertThat(h.running()).isTrue());
  }

  @Test
  void aCommandThatCannotBeExecutedEndsWithExitCode127EveryTime() {
    GuardianLink link = connect();
    link.deadline(System.nanoTime() + FAR.toNanos(), OLD);
    List<Integer> codes = new CopyOnWriteArrayList<>();
    Supervisor s = new Supervisor("g", "node-a", "http://127.0.0.1:1", dir, link, null,
        ServiceTrees.choose(Containment.AUTO), exit -> codes.add(exit.code()), () -> {});
    supervisors.add(s);
    for (int i = 1; i <= 20; i++) {
      s.start(new ServiceConfig(ServiceName.of("missing"), List.of("/nonexistent/program"), Map.of(), null,
          Duration.ofSeconds(1)), i, OLD);
      int n = i;
      await("exit " + i).atMost(Duration.ofSeconds(10)).until(() -> codes.size() == n);
    }
    assertThat(codes).containsOnly(127);
  }

  @Test
  void aStartDecidedUnderASessionThatIsNoLongerCurrentIsRefused() {
    GuardianLink link = connect();
    link.deadline(System.nanoTime() + FAR.toNanos(), NEW);

    assertThatThrownBy(() -> supervisor(link).start(service("svc"), 3, OLD))
        .isInstanceOf(BatonException.class)
        .hasMessageContaining("decided under session " + OLD.value())
        .hasMessageContaining("no longer the agent's (now " + NEW.value() + ")");
    link.close(); // the guardian serves one agent at a time
    assertThat(connect().held()).isEmpty();
  }

  @Test
  void processesOfASessionThatIsNoLongerCurrentAreKilledAndTheAgentIsToldWhy() {
    GuardianLink link = connect();
    link.deadline(System.nanoTime() + FAR.toNanos(), OLD);
    Supervisor.Running old = supervisor(link).start(service("svc"), 3, OLD);
    Supervisor.Running other = supervisor(link).start(service("svc-2"), 5, OLD);

    link.deadline(System.nanoTime() + FAR.toNanos(), NEW); // the agent was fenced and joined again

    await("both killed").atMost(Duration.ofSeconds(10)).until(() -> !old.handle().isAlive() && !other.handle().isAlive());
    await("the notes recorded").atMost(Duration.ofSeconds(10)).until(() -> notes.size() == 2);
    assertThat(notes).allSatisfy(n -> assertThat(n).startsWith(GuardianFiles.KILLED_SERVICES)
        .contains("its session " + OLD.value() + " is no longer the agent's (now " + NEW.value() + ")"));
  }

  @Test
  void aProcessOfTheCurrentSessionIsKeptAndOneTheAgentDoesNotAdoptIsKilledOnRequest() {
    GuardianLink link = connect();
    link.deadline(System.nanoTime() + FAR.toNanos(), NEW);
    Supervisor.Running kept = supervisor(link).start(service("kept"), 1, NEW);
    Supervisor.Running dropped = supervisor(link).start(service("dropped"), 2, NEW);

    link.kill(dropped.pid(), "not re-adopted");

    await("the dropped one killed").atMost(Duration.ofSeconds(10)).until(() -> !dropped.handle().isAlive());
    assertThat(kept.handle().isAlive()).isTrue();
    link.close(); // the guardian serves one agent at a time
    assertThat(connect().held()).extracting(GuardianLink.Held::service).containsExactly(ServiceName.of("kept"));
  }
}
