package dev.apiguard.test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

    private static JavaClasses kit;

    @BeforeAll
    static void importKit() {
        kit = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.apiguard.test");
    }

    @Test
    void onlyTheServletFakesImportJakartaServlet() {
        // the Servlet API is provided: the rest of the kit must load without it
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.apiguard.test.servlet..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("jakarta.servlet..")
                .check(kit);
    }

    @Test
    void theServletFakesExistInTheKit() {
        // the rule above would pass vacuously if the package moved
        org.assertj.core.api.Assertions.assertThat(
                        kit.getPackage("dev.apiguard.test.servlet").getClasses())
                .isNotEmpty();
    }

    @Test
    void theKitDependsOnTheCoreApiOnlyNotOnCapabilityPackages() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.apiguard.token..",
                        "dev.apiguard.scope..",
                        "dev.apiguard.binding..",
                        "dev.apiguard.ratelimit..",
                        "dev.apiguard.anomaly..",
                        "dev.apiguard.apikey..",
                        "dev.apiguard.inventory..",
                        "dev.apiguard.servlet..")
                .check(kit);
    }

    @Test
    void bouncyCastleStaysInsideTheInternalPackage() {
        noClasses()
                .that()
                .resideInAPackage("dev.apiguard.test")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.bouncycastle..")
                .check(kit);
    }
}
