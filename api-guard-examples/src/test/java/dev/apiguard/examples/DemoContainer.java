package dev.apiguard.examples;

import java.net.URI;

/**
 * Starts "the demo API" in one servlet container: the guard {@link DemoServer#guard} builds from
 * the {@link DemoOptions}, the demo servlets behind {@link dev.apiguard.servlet.ApiGuardFilter}
 * (REQUEST dispatch), HTTPS with the options' PKCS#12 keystore and, when {@code --client-ca} is
 * given, client certificates asked for ("want") but not required. The end-to-end suite
 * ({@link DemoApiContractTest}) runs against each implementation.
 */
interface DemoContainer {

    /** Starts the demo API as the options describe; it accepts connections when this returns. */
    Running start(DemoOptions options) throws Exception;

    /** A started demo API. */
    interface Running extends AutoCloseable {

        /** The port it listens on (the options may ask for port 0). */
        int port();

        /** The base URI, {@code https://127.0.0.1:PORT}. */
        default URI baseUri() {
            return URI.create("https://127.0.0.1:" + port());
        }

        /** Stops the container. */
        @Override
        void close() throws Exception;
    }

    /** Embedded Jetty 12 (ee10): the demo's own {@link DemoServer}. */
    static DemoContainer jetty() {
        return options -> {
            DemoServer server = DemoServer.start(options);
            return new Running() {
                @Override
                public int port() {
                    return server.port();
                }

                @Override
                public void close() throws Exception {
                    server.close();
                }
            };
        };
    }
}
