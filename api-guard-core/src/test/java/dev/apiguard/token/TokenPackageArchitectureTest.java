package dev.apiguard.token;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The token package depends on {@code dev.apiguard}, {@code event}, Nimbus, Caffeine and SLF4J only. */
class TokenPackageArchitectureTest {

    private static final JavaClasses TOKEN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.apiguard.token");

    @Test
    void tokenCodeImportsNoServletTypesAndNoOtherCapability() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "jakarta.servlet..",
                        "javax.servlet..",
                        "dev.apiguard.binding..",
                        "dev.apiguard.scope..",
                        "dev.apiguard.ratelimit..",
                        "dev.apiguard.anomaly..",
                        "dev.apiguard.apikey..",
                        "dev.apiguard.inventory..",
                        "com.google.crypto.tink..")
                .check(TOKEN);
    }
}
