package dev.baton.lab;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The lab's packages in layers: {@code faults} (the tools that attack processes and servers, and
 * the private servers they attack) below {@code local} (groups of real agents on this machine),
 * below {@code bench} and the demo; no cycles.
 */
class LabLayersTest {
  static final JavaClasses LAB = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.baton.lab");

  @Test
  void theLabsPackagesHaveNoCycles() {
    slices().matching("dev.baton.lab.(*)..").should().beFreeOfCycles().check(LAB);
  }
}
