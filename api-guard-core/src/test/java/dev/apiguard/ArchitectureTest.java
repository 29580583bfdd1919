package dev.apiguard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.NullMarked;

/**
 * The module's boundaries, checked on the compiled classes: core never touches servlet types,
 * capabilities meet only through the root package ({@code Caller}, {@code Decision}, ...) and
 * events, {@code internal} packages stay private to their capability, public classes live only in
 * the exported packages listed here or in an {@code internal} package, and no exported signature
 * names an {@code internal} type. (api-guard-examples' {@code ExportedApiTest} checks the last two
 * across every module of the library.) Every package is {@code @NullMarked}, so that NullAway, which
 * the build runs on the main code, and users' tools read every unannotated type as non-null.
 */
@AnalyzeClasses(
        packages = "dev.apiguard",
        importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NotTheTestFixtures.class})
class ArchitectureTest {

    /** The test fixtures (api-guard-fixtures, on the test class path) are not core. */
    public static final class NotTheTestFixtures implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/dev/apiguard/test/");
        }
    }

    /** Every capability package of core; each may depend on {@code dev.apiguard} and {@code dev.apiguard.event}. */
    static final List<String> CAPABILITIES =
            List.of("token", "binding", "scope", "ratelimit", "anomaly", "apikey", "inventory");

    /**
     * The packages of api-guard-core that are its API, explicitly: a new package with a public class
     * fails {@link #publicClassesLiveInExportedPackagesOrInternalOnes} until it is added here (and to
     * {@code apiguard.exported-packages} in the POM, which writes the jar's manifest).
     */
    static final List<String> EXPORTED_PACKAGES = Stream.concat(
                    Stream.of("dev.apiguard", "dev.apiguard.event"),
                    CAPABILITIES.stream().map(c -> "dev.apiguard." + c))
            .toList();

    @ArchTest
    static final ArchRule publicClassesLiveInExportedPackagesOrInternalOnes = classes()
            .that()
            .arePublic()
            .and()
            .areTopLevelClasses()
            .and()
            .resideOutsideOfPackage("..internal..")
            .should()
            .resideInAnyPackage(EXPORTED_PACKAGES.toArray(String[]::new))
            .because("the exported packages are listed explicitly; a helper belongs in an internal package");

    @ArchTest
    static final ArchRule exportedSignaturesNameNoInternalType = classes()
            .that()
            .resideInAnyPackage(EXPORTED_PACKAGES.toArray(String[]::new))
            .should(nameNoInternalTypeInTheirApi())
            .because("a user cannot be handed what is not API: internal packages may change in any release");

    /**
     * The public and protected members of an exported class (one that is public, as is every class
     * enclosing it) name no type of an {@code internal} package: not as a field, parameter, return,
     * exception or type argument, nor as a supertype.
     */
    static ArchCondition<JavaClass> nameNoInternalTypeInTheirApi() {
        return new ArchCondition<>("name no internal type in their public API") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                if (!exported(c)) {
                    return;
                }
                Set<JavaClass> supertypes = new HashSet<>(c.getAllRawInterfaces());
                c.getRawSuperclass().ifPresent(supertypes::add);
                for (JavaClass t : supertypes) {
                    report(events, c, c.getName() + " extends or implements", t);
                }
                for (JavaMember m : c.getMembers()) {
                    if (!m.getModifiers().contains(JavaModifier.PUBLIC)
                            && !m.getModifiers().contains(JavaModifier.PROTECTED)) {
                        continue;
                    }
                    List<JavaType> types = new ArrayList<>();
                    if (m instanceof JavaField f) {
                        types.add(f.getType());
                    } else if (m instanceof JavaCodeUnit u) {
                        types.add(u.getReturnType());
                        types.addAll(u.getParameterTypes());
                        u.getThrowsClause().getTypes().forEach(types::add);
                    }
                    for (JavaType type : types) {
                        for (JavaClass t : type.getAllInvolvedRawTypes()) {
                            report(events, c, m.getFullName(), t);
                        }
                    }
                }
            }
        };
    }

    private static boolean exported(JavaClass c) {
        if (!c.getModifiers().contains(JavaModifier.PUBLIC) || c.isAnonymousClass() || c.isLocalClass()) {
            return false;
        }
        return c.getEnclosingClass().map(ArchitectureTest::exported).orElse(true);
    }

    private static void report(ConditionEvents events, JavaClass owner, String where, JavaClass type) {
        JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
        if (base.getPackageName().contains(".internal")) {
            events.add(SimpleConditionEvent.violated(owner, where + " names the internal type " + base.getName()));
        }
    }

    @ArchTest
    static final ArchRule everyPackageIsNullMarked = classes()
            .should(resideInANullMarkedPackage())
            .because("every type is non-null unless @Nullable says otherwise (CONTRIBUTING.md, Nullness):"
                    + " a new package needs a package-info.java with @NullMarked");

    static ArchCondition<JavaClass> resideInANullMarkedPackage() {
        return new ArchCondition<>("reside in a package annotated @NullMarked") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                if (!c.getPackage().isAnnotatedWith(NullMarked.class)) {
                    events.add(SimpleConditionEvent.violated(
                            c, "package " + c.getPackageName() + " of " + c.getName() + " is not @NullMarked"));
                }
            }
        };
    }

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
