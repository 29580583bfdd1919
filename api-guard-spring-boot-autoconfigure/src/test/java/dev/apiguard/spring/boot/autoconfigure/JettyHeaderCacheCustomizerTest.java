package dev.apiguard.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.server.WebServerFactory;

class JettyHeaderCacheCustomizerTest {

    /** The shape of Boot's Jetty factories (4.0 and 3.5 alike, in different packages). */
    public interface ServerCustomizer {
        void customize(Server server);
    }

    public static class JettyLikeFactory implements WebServerFactory {
        final List<ServerCustomizer> customizers = new ArrayList<>();

        public void addServerCustomizers(ServerCustomizer... more) {
            customizers.addAll(List.of(more));
        }
    }

    @Test
    void everyConnectorOfTheServerGetsACaseSensitiveHeaderCache() {
        JettyLikeFactory factory = new JettyLikeFactory();
        new JettyHeaderCacheCustomizer().customize(factory);
        assertThat(factory.customizers).hasSize(1);

        Server server = new Server();
        HttpConfiguration plain = new HttpConfiguration();
        HttpConfiguration other = new HttpConfiguration();
        server.addConnector(new ServerConnector(server, new HttpConnectionFactory(plain)));
        server.addConnector(new ServerConnector(server, new HttpConnectionFactory(other)));
        assertThat(plain.isHeaderCacheCaseSensitive()).isFalse();

        factory.customizers.get(0).customize(server);
        assertThat(plain.isHeaderCacheCaseSensitive()).isTrue();
        assertThat(other.isHeaderCacheCaseSensitive()).isTrue();
    }

    @Test
    void anotherServersFactoryIsLeftAlone() {
        WebServerFactory tomcatLike = new WebServerFactory() {};
        new JettyHeaderCacheCustomizer().customize(tomcatLike);
        assertThat(JettyHeaderCacheCustomizer.serverCustomizers(tomcatLike)).isEmpty();
    }

    @Test
    void registeredOnlyWithJettyOnTheClasspath() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ApiGuardAutoConfiguration.class))
                .withPropertyValues(
                        "apiguard.routes[0].method=GET",
                        "apiguard.routes[0].path=/health",
                        "apiguard.routes[0].permit-all=true");
        web.run(context -> assertThat(context).hasSingleBean(JettyHeaderCacheCustomizer.class));
        web.withClassLoader(new FilteredClassLoader(Server.class))
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JettyHeaderCacheCustomizer.class));
    }
}
