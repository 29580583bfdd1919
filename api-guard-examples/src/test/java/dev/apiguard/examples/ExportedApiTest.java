package dev.apiguard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import dev.apiguard.ApiGuard;
import dev.apiguard.micrometer.MicrometerSecurityEventListener;
import dev.apiguard.redis.RedisGuardState;
import dev.apiguard.servlet.ApiGuardFilter;
import dev.apiguard.test.GuardTester;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exported API of every library module, checked on the compiled classes of each jar (or
 * classes folder) as the build hands it to this module:
 * <ul>
 *   <li>every public top-level class lives in one of the module's exported packages, listed here
 *       explicitly, or in an {@code internal} package: a new public package fails until it is
 *       listed (a helper belongs in an {@code internal} package);</li>
 *   <li>no public or protected member of an exported class names an {@code internal} type, of
 *       its own module or of another one (a servlet signature naming a type of core's
 *       {@code dev.apiguard.internal} fails too);</li>
 *   <li>the list is the module POM's {@code apiguard.exported-packages}, which the jar's manifest
 *       carries as {@code ApiGuard-Exported-Packages}, next to its {@code Automatic-Module-Name}.</li>
 * </ul>
 */
class ExportedApiTest {

    /** Each library module: a class of it (where its classes are found) and its exported packages. */
    enum Module {
        CORE(
                "api-guard-core",
                "dev.apiguard.core",
                ApiGuard.class,
                "dev.apiguard",
                "dev.apiguard.event",
                "dev.apiguard.token",
                "dev.apiguard.binding",
                "dev.apiguard.scope",
                "dev.apiguard.ratelimit",
                "dev.apiguard.anomaly",
                "dev.apiguard.apikey",
                "dev.apiguard.inventory"),
        SERVLET("api-guard-servlet", "dev.apiguard.servlet", ApiGuardFilter.class, "dev.apiguard.servlet"),
        REDIS("api-guard-redis", "dev.apiguard.redis", RedisGuardState.class, "dev.apiguard.redis"),
        MICROMETER(
                "api-guard-micrometer",
                "dev.apiguard.micrometer",
                MicrometerSecurityEventListener.class,
                "dev.apiguard.micrometer"),
        TEST(
                "api-guard-test",
                "dev.apiguard.test",
                GuardTester.class,
                "dev.apiguard.test",
                "dev.apiguard.test.servlet"),
        FIXTURES("api-guard-fixtures", "dev.apiguard.test.fixtures", LocalIssuer.class, "dev.apiguard.test.fixtures");

        final String directory;
        final String automaticModuleName;
        final Class<?> anchor;
        final List<String> exported;

        Module(String directory, String automaticModuleName, Class<?> anchor, String... exported) {
            this.directory = directory;
            this.automaticModuleName = automaticModuleName;
            this.anchor = anchor;
            this.exported = List.of(exported);
        }

        JavaClasses classes() {
            try {
                Path location = Path.of(anchor.getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI());
                // a classes folder within the reactor up to test, the module's jar from package on
                Location where = Files.isRegularFile(location)
                        ? Location.of(URI.create("jar:" + location.toUri() + "!/"))
                        : Location.of(location);
                return new ClassFileImporter().importLocations(Set.of(where));
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Module.class)
    void publicClassesLiveInTheExportedPackagesOrInInternalOnes(Module module) {
        JavaClasses classes = module.classes();
        assertThat(classes.size()).as("classes of " + module.directory).isPositive();
        Set<String> outside = new TreeSet<>();
        for (JavaClass c : classes) {
            if (c.isTopLevelClass()
                    && c.getModifiers().contains(JavaModifier.PUBLIC)
                    && !internal(c)
                    && !module.exported.contains(c.getPackageName())) {
                outside.add(c.getName());
            }
        }
        assertThat(outside)
                .as(
                        "public classes of %s outside its exported packages %s: list the package, or move the"
                                + " class to an internal package",
                        module.directory, module.exported)
                .isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Module.class)
    void exportedSignaturesNameNoInternalType(Module module) {
        List<String> leaks = new ArrayList<>();
        JavaClasses classes = module.classes();
        assertThat(classes.size()).as("classes of " + module.directory).isPositive();
        for (JavaClass c : classes) {
            if (module.exported.contains(c.getPackageName()) && exported(c)) {
                leaks.addAll(internalTypesInApi(c));
            }
        }
        assertThat(leaks)
                .as("exported API of %s naming internal types", module.directory)
                .isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Module.class)
    void thePomListsTheSamePackagesForTheManifest(Module module) throws IOException {
        String pom = Files.readString(Path.of("..", module.directory, "pom.xml"));
        Matcher exported = Pattern.compile("<apiguard.exported-packages>([^<]*)</apiguard.exported-packages>")
                .matcher(pom);
        assertThat(exported.find())
                .as(module.directory + " declares apiguard.exported-packages")
                .isTrue();
        assertThat(Arrays.stream(exported.group(1).split(",")).map(String::trim).toList())
                .containsExactlyElementsOf(module.exported);
        assertThat(pom)
                .contains("<ApiGuard-Exported-Packages>${apiguard.exported-packages}</ApiGuard-Exported-Packages>")
                .contains("<Automatic-Module-Name>" + module.automaticModuleName + "</Automatic-Module-Name>");
    }

    private static boolean internal(JavaClass c) {
        return (c.getPackageName() + ".").contains(".internal.");
    }

    /** Public, as is every class enclosing it. */
    private static boolean exported(JavaClass c) {
        if (!c.getModifiers().contains(JavaModifier.PUBLIC) || c.isAnonymousClass() || c.isLocalClass()) {
            return false;
        }
        return c.getEnclosingClass().map(ExportedApiTest::exported).orElse(true);
    }

    /** Internal types named by the class's supertypes and public or protected members. */
    private static List<String> internalTypesInApi(JavaClass c) {
        List<String> leaks = new ArrayList<>();
        Set<JavaClass> supertypes = new HashSet<>(c.getAllRawInterfaces());
        c.getRawSuperclass().ifPresent(supertypes::add);
        for (JavaClass t : supertypes) {
            if (internal(t)) {
                leaks.add(c.getName() + " extends or implements " + t.getName());
            }
        }
        for (JavaMember m : c.getMembers()) {
            Set<JavaModifier> modifiers = m.getModifiers();
            if (!modifiers.contains(JavaModifier.PUBLIC) && !modifiers.contains(JavaModifier.PROTECTED)) {
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
                    JavaClass base = t.isArray() ? t.getBaseComponentType() : t;
                    if (internal(base)) {
                        leaks.add(m.getFullName() + " names " + base.getName());
                    }
                }
            }
        }
        return leaks;
    }
}
