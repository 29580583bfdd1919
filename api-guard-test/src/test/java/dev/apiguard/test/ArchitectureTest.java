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
    void onlyTheServletModuleImportsJakartaServlet() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("jakarta.servlet..")
                .check(kit);
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
