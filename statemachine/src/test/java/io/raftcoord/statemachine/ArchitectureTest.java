package io.raftcoord.statemachine;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.raftcoord.archfixture.NondeterminismFixtures;
import io.raftcoord.statemachine.sm.CoordState;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The determinism build check (docs/ARCHITECTURE.md, "Determinism"): nothing compiled under
 * {@code io.raftcoord.statemachine} reads the clock, a random source or the environment. Time in
 * apply comes from the leader's stamp, IDs from state. The rule is proven on test-only fixtures
 * that do each forbidden thing.
 */
class ArchitectureTest {
  /** Static methods whose result depends on the machine or the moment, as {@code owner.name}. */
  private static final List<String> FORBIDDEN_METHODS = List.of(
      "java.lang.System.currentTimeMillis",
      "java.lang.System.nanoTime",
      "java.lang.System.getenv",
      "java.lang.System.getProperty",
      "java.lang.System.getProperties",
      "java.lang.Integer.getInteger",
      "java.lang.Long.getLong",
      "java.lang.Boolean.getBoolean",
      "java.lang.Math.random",
      "java.lang.StrictMath.random",
      "java.util.UUID.randomUUID");

  private static final DescribedPredicate<JavaMethodCall> READS_CLOCK_RANDOMNESS_OR_ENVIRONMENT =
      new DescribedPredicate<>("a clock, random or environment read (" + String.join(", ", FORBIDDEN_METHODS)
          + ", java.time.*.now)") {
        @Override
        public boolean test(JavaMethodCall call) {
          String owner = call.getTarget().getOwner().getFullName();
          String name = call.getTarget().getName();
          return FORBIDDEN_METHODS.contains(owner + "." + name)
              || (owner.startsWith("java.time.") && name.equals("now"));
        }
      };

  /** Random, SecureRandom, ThreadLocalRandom, SplittableRandom; Clock and InstantSource. */
  private static final DescribedPredicate<JavaClass> CLOCK_OR_RANDOM_TYPES =
      assignableTo(RandomGenerator.class).or(assignableTo(InstantSource.class)).or(assignableTo(Clock.class));

  static final ArchRule APPLY_IS_DETERMINISTIC = noClasses()
      .should().callMethodWhere(READS_CLOCK_RANDOMNESS_OR_ENVIRONMENT)
      .orShould().dependOnClassesThat(CLOCK_OR_RANDOM_TYPES)
      .because("apply must give the same result on every replica: time comes from the leader's stamp "
          + "(ctx.nowMs), IDs from state, settings from replicated records (docs/ARCHITECTURE.md, Determinism)");

  /** The compiled main classes: statemachine/target/classes/io/raftcoord/statemachine. */
  private static JavaClasses mainClasses() throws URISyntaxException {
    Path classes = Path.of(CoordState.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes), "main classes are a directory: " + classes);
    Path pkg = classes.resolve("io/raftcoord/statemachine");
    assertTrue(Files.isDirectory(pkg), pkg + " exists");
    return new ClassFileImporter().importPath(pkg);
  }

  @Test
  void statemachineMainCodeReadsNoClockRandomnessOrEnvironment() throws URISyntaxException {
    JavaClasses classes = mainClasses();
    Set<String> names = classes.stream().map(JavaClass::getName).collect(Collectors.toSet());
    // Not vacuous: the scan really holds the apply path.
    for (String expected : new String[] {
        "io.raftcoord.statemachine.sm.CoordState",
        "io.raftcoord.statemachine.sm.CoordStateMachine",
        "io.raftcoord.statemachine.tso.TsoControl",
        "io.raftcoord.statemachine.ids.IdControl",
        "io.raftcoord.statemachine.idempotency.IdempotencyLog",
        "io.raftcoord.statemachine.store.CoordStore"}) {
      assertTrue(names.contains(expected), "scanned " + expected);
    }
    assertTrue(names.stream().allMatch(n -> n.startsWith("io.raftcoord.statemachine.")), names.toString());
    assertFalse(names.stream().anyMatch(n -> n.endsWith("Test")), "test classes are not scanned");

    APPLY_IS_DETERMINISTIC.check(classes);
  }

  static Stream<Arguments> forbiddenFixtures() {
    return Stream.of(
        Arguments.of(NondeterminismFixtures.ReadsWallClock.class, "System.currentTimeMillis()"),
        Arguments.of(NondeterminismFixtures.ReadsNanoTime.class, "System.nanoTime()"),
        Arguments.of(NondeterminismFixtures.ReadsInstantNow.class, "Instant.now()"),
        Arguments.of(NondeterminismFixtures.ReadsLocalDateTimeNow.class, "LocalDateTime.now()"),
        Arguments.of(NondeterminismFixtures.UsesClock.class, "java.time.Clock"),
        Arguments.of(NondeterminismFixtures.UsesRandom.class, "java.util.Random"),
        Arguments.of(NondeterminismFixtures.UsesThreadLocalRandom.class, "java.util.concurrent.ThreadLocalRandom"),
        Arguments.of(NondeterminismFixtures.UsesSecureRandom.class, "java.security.SecureRandom"),
        Arguments.of(NondeterminismFixtures.UsesRandomUuid.class, "UUID.randomUUID()"),
        Arguments.of(NondeterminismFixtures.ReadsEnvironment.class, "System.getenv(java.lang.String)"),
        Arguments.of(NondeterminismFixtures.ReadsSystemProperty.class, "System.getProperty(java.lang.String)"));
  }

  @ParameterizedTest(name = "{0} is flagged")
  @MethodSource("forbiddenFixtures")
  void ruleFlagsAFixtureThatReadsNondeterministicState(Class<?> fixture, String flaggedApi) {
    EvaluationResult result = APPLY_IS_DETERMINISTIC.evaluate(new ClassFileImporter().importClasses(fixture));
    assertTrue(result.hasViolation(), fixture + " must violate the rule");
    String report = result.getFailureReport().toString();
    assertTrue(report.contains(flaggedApi), "the report names " + flaggedApi + ":\n" + report);
    assertTrue(report.contains(fixture.getName()), "the report names the offending class:\n" + report);
  }

  @Test
  void checkFailsTheBuildOnTheWallClockFixture() {
    JavaClasses fixture = new ClassFileImporter().importClasses(NondeterminismFixtures.ReadsWallClock.class);
    AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
        () -> APPLY_IS_DETERMINISTIC.check(fixture));
    assertTrue(e.getMessage().contains("System.currentTimeMillis()"), e.getMessage());
  }

  @Test
  void ruleAcceptsDeterministicNeighboursOfTheForbiddenApis() {
    EvaluationResult result = APPLY_IS_DETERMINISTIC.evaluate(
        new ClassFileImporter().importClasses(NondeterminismFixtures.Deterministic.class));
    assertEquals(List.of(), result.getFailureReport().getDetails());
  }
}
