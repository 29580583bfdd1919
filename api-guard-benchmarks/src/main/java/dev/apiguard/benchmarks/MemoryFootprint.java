package dev.apiguard.benchmarks;

import dev.apiguard.ApiGuard;
import dev.apiguard.Caller;
import dev.apiguard.CredentialKind;
import dev.apiguard.Decision;
import dev.apiguard.GuardExchange;
import dev.apiguard.GuardStep;
import dev.apiguard.event.SecurityEventListener;
import dev.apiguard.inventory.LedgerStore;
import dev.apiguard.test.TestRequest;
import dev.apiguard.test.fixtures.LocalIssuer;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Bytes of guard state per tracked caller, by heap deltas ({@code MemoryMXBean} heap used after
 * repeated {@code System.gc()}), through the real steps of {@link FullChain}: each distinct caller
 * sends one allowed request. Callers are authenticated by a header-reading step in the token
 * step's place (minting a million signed tokens would take an hour); the verified-token cache is
 * measured on its own with real RS256 tokens through {@code AccessTokenStep}. Then a million
 * distinct callers go through the whole chain at the default caps, printing the heap as they come:
 * it must level off at the caps.
 *
 * <pre>java -Xmx1g -cp api-guard-benchmarks/target/benchmarks.jar dev.apiguard.benchmarks.MemoryFootprint</pre>
 */
public final class MemoryFootprint {

    private MemoryFootprint() {}

    /** Authenticates the caller named in {@code X-Caller}, as a token step would. */
    static final class HeaderCaller implements GuardStep {
        private final Instant expires = Instant.now().plus(Duration.ofMinutes(50));

        @Override
        public String name() {
            return "header-caller";
        }

        @Override
        public Decision evaluate(GuardExchange exchange) {
            String id = exchange.request().header("X-Caller");
            exchange.authenticate(Caller.builder(id, CredentialKind.BEARER_JWT)
                    .subject(id)
                    .issuer("https://issuer.example")
                    .scopes(Set.of(FullChain.SCOPE))
                    .issuedAt(expires.minus(Duration.ofMinutes(5)))
                    .expiresAt(expires)
                    .build());
            return Decision.ALLOW;
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int tokens = 2_000;
        Clock clock = Clock.systemUTC();
        FullChain.Caps roomy = new FullChain.Caps(n, n, n, n);
        IntFunction<TestRequest> caller = i -> TestRequest.get(FullChain.PATH)
                .header("Authorization", "Bearer opaque-credential-of-caller-" + i)
                .header("X-Caller", "caller-" + i);

        System.out.printf("%-46s %10s %14s%n", "state", "entries", "bytes/entry");
        // each stateful step alone behind the header authentication, caps at n
        List<GuardStep> all = FullChain.guard(new HeaderCaller(), roomy, clock).steps();
        long sum = 0;
        long knownDigest = 0;
        for (GuardStep step : all) {
            if (step.name().equals("header-caller")
                    || step.name().equals("mtls-binding")
                    || step.name().equals("scope")) {
                continue;
            }
            List<GuardStep> chain = all.stream()
                    .filter(s -> s.name().equals("header-caller") || s.name().equals("scope") || s == step)
                    .toList();
            // each measurement builds fresh state: a new chain of the same configuration
            List<GuardStep> fresh = FullChain.guard(new HeaderCaller(), roomy, clock).steps().stream()
                    .filter(s -> chain.stream().anyMatch(c -> c.name().equals(s.name())))
                    .toList();
            ApiGuard.Builder b = ApiGuard.builder().clock(clock).listener(SecurityEventListener.NONE);
            fresh.forEach(b::step);
            ApiGuard guard = b.build();
            // the anonymous step remembers at most its fixed cap of valid credentials
            int count = step.name().equals("anonymous-ratelimit")
                    ? (int) Math.min(n, dev.apiguard.ratelimit.AnonymousRateLimitStep.KNOWN_CREDENTIALS_MAXIMUM_SIZE)
                    : n;
            long perEntry = perEntry(guard, count, caller);
            sum += perEntry;
            if (step.name().equals("anonymous-ratelimit")) {
                knownDigest = perEntry;
            }
            System.out.printf("%-46s %,10d %,14d%n", label(step.name()), count, perEntry);
        }
        // the verified-token cache, with real tokens
        LocalIssuer issuer = LocalIssuer.rsa("https://issuer.example");
        String[] minted = new String[tokens];
        for (int i = 0; i < tokens; i++) {
            minted[i] = issuer.token()
                    .clientId("client-" + i)
                    .subject("client-" + i)
                    .scope(FullChain.SCOPE)
                    .lifetime(Duration.ofMinutes(50))
                    .sign();
        }
        ApiGuard tokenGuard = ApiGuard.builder()
                .clock(clock)
                .listener(SecurityEventListener.NONE)
                .step(FullChain.tokenStep(issuer, roomy, clock))
                .build();
        long tokenEntry = perEntry(
                tokenGuard, tokens, i -> TestRequest.get(FullChain.PATH).bearer(minted[i]));
        sum += tokenEntry;
        System.out.printf("%-46s %,10d %,14d%n", "verified-token cache entry (RS256 token)", tokens, tokenEntry);
        System.out.printf("%-46s %10s %,14d%n", "sum of the parts", "", sum);
        // the parts above each hold their own copy of what a caller shares across the chain (its key,
        // its id): through the whole chain one request's Caller, and its key, serve every store
        long chainEntry = perEntry(FullChain.guard(new HeaderCaller(), roomy, clock), n, caller);
        System.out.printf("%-46s %,10d %,14d%n", "whole chain (every step above but the token cache)", n, chainEntry);
        // the whole chain holds known-credential digests for its first 10,000 callers only: count
        // the digest for every caller, as a caller that stays in that cache holds one
        long cap = dev.apiguard.ratelimit.AnonymousRateLimitStep.KNOWN_CREDENTIALS_MAXIMUM_SIZE;
        long missingDigests = knownDigest * Math.max(0, n - cap) / n;
        System.out.printf(
                "%-46s %10s %,14d%n",
                "total per caller (whole chain + token cache + digest)", "", chainEntry + tokenEntry + missingDigests);

        // a million callers at the default caps: the heap levels off
        System.out.println();
        System.out.printf(
                "heap used after N distinct callers, whole chain, default caps %s:%n", FullChain.Caps.DEFAULTS);
        ApiGuard guard = FullChain.guard(new HeaderCaller(), FullChain.Caps.DEFAULTS, clock);
        long base = heapUsed();
        System.out.printf("  %,9d callers: %,7.1f MiB%n", 0, base / 1048576.0);
        int done = 0;
        for (int mark : new int[] {100_000, 250_000, 500_000, 750_000, 1_000_000}) {
            for (; done < mark; done++) {
                send(guard, caller.apply(done));
            }
            System.out.printf(
                    "  %,9d callers: %,7.1f MiB (+%,.1f MiB)%n",
                    mark, heapUsed() / 1048576.0, (heapUsed() - base) / 1048576.0);
        }
        java.lang.ref.Reference.reachabilityFence(guard);
    }

    private static String label(String step) {
        return switch (step) {
            case "anonymous-ratelimit" -> "known-credential digest (anonymous limiter)";
            case "anomaly" -> "anomaly profile";
            case "ratelimit" -> "rate-limit bucket";
            case "inventory" -> "inventory ledger entry (" + LedgerStore.class.getSimpleName() + ")";
            default -> step;
        };
    }

    private static long perEntry(ApiGuard guard, int count, IntFunction<TestRequest> request) {
        // one request first so that lazily created shared state is not counted per entry
        send(guard, TestRequest.get(FullChain.PATH).header("X-Caller", "warm-up"));
        long before = heapUsed();
        for (int i = 0; i < count; i++) {
            send(guard, request.apply(i));
        }
        long after = heapUsed();
        java.lang.ref.Reference.reachabilityFence(guard);
        return Math.max(0, (after - before) / count);
    }

    private static void send(ApiGuard guard, TestRequest request) {
        GuardExchange ex = guard.exchange(request);
        Decision d = guard.evaluate(ex);
        if (!(d instanceof Decision.Allow)) {
            throw new IllegalStateException("a footprint request was refused: " + d);
        }
        guard.completed(ex, 200);
    }

    static long heapUsed() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
