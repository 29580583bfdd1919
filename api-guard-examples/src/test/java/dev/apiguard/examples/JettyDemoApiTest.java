package dev.apiguard.examples;

/** The demo API's end-to-end suite on embedded Jetty 12 (ee10), as {@code serve} runs it. */
class JettyDemoApiTest extends DemoApiContractTest {

    @Override
    DemoContainer container() {
        return DemoContainer.jetty();
    }
}
