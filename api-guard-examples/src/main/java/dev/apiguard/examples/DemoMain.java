package dev.apiguard.examples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The demo jar's entry point (docs/demo.md): no arguments plays the scenario, {@code serve [flags]}
 * runs the server until killed.
 */
public final class DemoMain {

    private DemoMain() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", args.length == 0 ? "warn" : "info");
        }
        System.exit(run(Arrays.asList(args), System.out, System.err));
    }

    /** Runs the demo and returns the process exit code. */
    static int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty()) {
            return Scenario.run(out) ? 0 : 1;
        }
        if (!args.get(0).equals("serve")) {
            err.println("unknown command: " + args.get(0) + " (use no arguments for the scenario, or serve [flags])");
            return 2;
        }
        DemoOptions options;
        try {
            options = DemoOptions.parse(args.subList(1, args.size()));
        } catch (DemoOptions.UsageException e) {
            err.println(e.getMessage());
            err.println(DemoOptions.helpText());
            return 2;
        }
        if (options.help) {
            out.println(DemoOptions.helpText());
            return 0;
        }
        DemoServer server = DemoServer.start(options);
        out.println("listening on https://127.0.0.1:" + server.port());
        out.flush();
        server.join();
        return 0;
    }
}
