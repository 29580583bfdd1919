package dev.apiguard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The module's boundaries, checked on the compiled classes: core never touches servlet types,
 * capabilities meet only through the root package ({@code Caller}, {@code Decision}, ...) and
 * events, and {@code internal} packages stay private to their capability.
 */
@AnalyzeClasses(packages = "dev.apiguard", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Every capability package of core; each may depend on {@code dev.apiguard} and {@code dev.apiguard.event}. */
    static final List<String> CAPABILITIES =
            List.of("token", "binding", "scope", "ratelimit", "anomaly", "apikey", "inventory");

    @ArchTest
    static final ArchRule coreDoesNotUseServletTypes = noClasses()
            .that()
            .resideInAPackage("dev.apiguard..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("jakarta.servlet..")
            .because("api-guard-servlet is the only module that imports jakarta.servlet");

    @ArchTest
    static final ArchRule capabilitiesDoNotDependOnEachOther = capabilitiesAreIndependent();

    @ArchTest
    static final ArchRule internalPackagesStayInsideTheirCapability = internalsArePrivate();

    private static ArchRule capabilitiesAreIndependent() {
        List<ArchRule> rules = new ArrayList<>();
        for (String capability : CAPABILITIES) {
            String[] others = CAPABILITIES.stream()
                    .filter(c -> !c.equals(capability))
                    .map(c -> "dev.apiguard." + c + "..")
                    .toArray(String[]::new);
            rules.add(noClasses()
                    .that()
                    .resideInAPackage("dev.apiguard." + capability + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .because("capabilities meet only through Caller, the exchange and events")
                    .allowEmptyShould(true));
        }
        return CompositeArchRule.of(rules)
                .allowEmptyShould(true)
                .as("capability packages " + CAPABILITIES + " do not depend on each other");
    }

    private static ArchRule internalsArePrivate() {
        List<ArchRule> rules = new ArrayList<>();
        for (String capability : CAPABILITIES) {
            rules.add(noClasses()
                    .that()
                    .resideOutsideOfPackage("dev.apiguard." + capability + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("dev.apiguard." + capability + ".internal..")
                    .because("an internal package is the private implementation of its capability")
                    .allowEmptyShould(true));
        }
        return CompositeArchRule.of(rules)
                .allowEmptyShould(true)
                .as("a capability's internal package is used only inside that capability");
    }
}
