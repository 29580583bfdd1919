package dev.apiguard.examples;

/** The demo API's end-to-end suite on embedded Tomcat 11. */
class TomcatDemoApiTest extends DemoApiContractTest {

    @Override
    DemoContainer container() {
        return new TomcatDemoContainer();
    }
}
