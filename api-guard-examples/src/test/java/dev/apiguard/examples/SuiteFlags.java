package dev.apiguard.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Flags for an end-to-end suite that is not about rate limits or anomaly enforcement. Such a suite
 * sends its requests from one peer as fast as the machine allows; with the demo's own limits (20/1s
 * anonymous, 50/1s per caller, anomaly enforcing) a fresh token could meet an empty anonymous
 * bucket and get 429, depending on the machine's speed. The limits and the anomaly loop have
 * their own suites ({@link RateLimitEndToEndTest}, {@link AnomalyEndToEndTest},
 * {@code attack.RateLimitAttacksTest}), which set the limits they test.
 */
final class SuiteFlags {

    static final List<String> UNLIMITED =
            List.of("--rate-limit", "1000000/1s", "--anonymous-rate-limit", "1000000/1s", "--anomaly", "observe");

    private SuiteFlags() {}

    /** {@code flags} followed by {@link #UNLIMITED}. */
    static List<String> unlimited(String... flags) {
        List<String> all = new ArrayList<>(Arrays.asList(flags));
        all.addAll(UNLIMITED);
        return all;
    }
}
