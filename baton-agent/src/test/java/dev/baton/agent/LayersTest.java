package dev.baton.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The agent's packages and what each may use, as their package-info says: config and events at
 * the bottom, then session, supervisor and guardian, watchdog, placement, then the agent itself,
 * then the HTTP API on top. Read from the compiled main classes (tests may cross layers).
 */
@AnalyzeClasses(packages = "dev.baton.agent", importOptions = ImportOption.DoNotIncludeTests.class)
class LayersTest {
  @ArchTest
  static final ArchRule subPackagesAreFreeOfCycles = slices().matching("dev.baton.agent.(*)..")
      .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule subPackagesDoNotUseTheAgentOrTheHttpApi = noClasses()
      .that().resideInAPackage("dev.baton.agent.*..").and().resideOutsideOfPackage("dev.baton.agent.http..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.baton.agent", "dev.baton.agent.http..")
      .because("the agent composes its packages, and the HTTP API uses the agent: no arrow points back up");

  @ArchTest
  static final ArchRule onlyTheHttpApiUsesJavalin = noClasses()
      .that().resideOutsideOfPackage("dev.baton.agent.http..")
      .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "org.eclipse.jetty..")
      .because("the HTTP server is the http package's business");

  @ArchTest
  static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("config").definedBy("dev.baton.agent.config..")
      .layer("events").definedBy("dev.baton.agent.events..")
      .layer("session").definedBy("dev.baton.agent.session..")
      .layer("supervisor").definedBy("dev.baton.agent.supervisor..")
      .layer("guardian").definedBy("dev.baton.agent.guardian..")
      .layer("watchdog").definedBy("dev.baton.agent.watchdog..")
      .layer("placement").definedBy("dev.baton.agent.placement..")
      .layer("agent").definedBy("dev.baton.agent")
      .layer("http").definedBy("dev.baton.agent.http..")
      .whereLayer("config").mayNotAccessAnyLayer()
      .whereLayer("events").mayOnlyAccessLayers("config")
      .whereLayer("session").mayOnlyAccessLayers("config", "events")
      .whereLayer("supervisor").mayOnlyAccessLayers("config")
      .whereLayer("guardian").mayOnlyAccessLayers("config", "supervisor")
      .whereLayer("watchdog").mayOnlyAccessLayers("config", "events")
      .whereLayer("placement").mayOnlyAccessLayers("config", "events", "session", "supervisor", "watchdog")
      .whereLayer("agent").mayOnlyAccessLayers("config", "events", "session", "supervisor", "guardian", "watchdog",
          "placement")
      .whereLayer("http").mayNotBeAccessedByAnyLayer();
}
