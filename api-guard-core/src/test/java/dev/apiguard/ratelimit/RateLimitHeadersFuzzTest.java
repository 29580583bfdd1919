package dev.apiguard.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.apiguard.Decision;
import dev.apiguard.Denials;
import dev.apiguard.ratelimit.internal.RateLimitFields;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the rate-limit header writer: the {@code RateLimit-Policy} and {@code RateLimit} fields
 * (draft-ietf-httpapi-ratelimit-headers-10, RFC 9651 structured-field lists) and the 429 refusal
 * with {@code Retry-After} (RFC 9110 §10.2.3), for any plan the builder accepts (one to four
 * limits, quota 1 to 10^9, window 1 s to 100 years), any adjustment factor in (0, 1] and any
 * store outcome within the {@link BucketStore} contract (remaining tokens between 0 and the
 * bucket's capacity, any non-negative wait).
 *
 * <p>Property: a plan the builder refuses is refused with {@link IllegalArgumentException}, the
 * documented configuration error; otherwise nothing throws, both fields parse as structured-field
 * lists of the plan's limits in order with integers of at most 15 digits (RFC 9651 §3.3.1), the
 * quotas and remaining units never exceed the configured quota, {@code t} is at least 1 on a
 * refusal, {@code Retry-After} is the wait rounded up to whole seconds and at least 1, the refusal
 * is a 429 with the fixed problem, every header value is printable ASCII, and the fields stay
 * under 100 characters per limit.
 */
class RateLimitHeadersFuzzTest {

    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]{0,14}");
    private static final Pattern POLICY_ITEM = Pattern.compile("\"([a-z0-9_-]+)\";q=([0-9]+);w=([0-9]+)");
    private static final Pattern LIMIT_ITEM = Pattern.compile("\"([a-z0-9_-]+)\";r=([0-9]+);t=([0-9]+)");

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void rateLimitFields(FuzzedDataProvider data) {
        int n = data.consumeInt(1, 4);
        List<RateLimitPlan.Limit> limits = new ArrayList<>();
        RateLimitPlan plan;
        try {
            for (int i = 0; i < n; i++) {
                limits.add(RateLimitPlan.Limit.of(
                        data.consumeAsciiString(34),
                        data.consumeLong(1, 1_000_000_000L),
                        Duration.ofSeconds(data.consumeLong(1, 100L * 366 * 24 * 3600))));
            }
            plan = RateLimitPlan.of(data.consumeAsciiString(34), limits.toArray(RateLimitPlan.Limit[]::new));
        } catch (IllegalArgumentException misconfigured) {
            return; // refused at build time, as documented
        }
        double factor = data.consumeDouble();
        if (!(factor > 0 && factor <= 1)) {
            factor = 1; // RateLimitAdjustments refuses any other factor
        }
        long capacity = limits.stream()
                .mapToLong(l -> l.quota() * RateLimitPlan.TOKENS_PER_UNIT)
                .min()
                .orElseThrow();
        BucketStore.Status status = data.pickValue(BucketStore.Status.values());
        BucketStore.Outcome outcome = new BucketStore.Outcome(
                status,
                data.consumeLong(0, capacity),
                data.consumeLong(0, Long.MAX_VALUE),
                data.consumeLong(0, Long.MAX_VALUE));
        double f = factor;

        Map<String, String> fields = RateLimitStep.fields(plan, f, outcome);
        Decision.Deny deny = Denials.rateLimited(RateLimitFields.ceilSeconds(outcome.nanosToWaitForRefill()), fields);

        String policy = fields.get(RateLimitFields.POLICY);
        String[] items = policy.split(", ", -1);
        assertThat(items).hasSize(limits.size());
        long smallestQuota = Long.MAX_VALUE;
        for (int i = 0; i < items.length; i++) {
            Matcher m = POLICY_ITEM.matcher(items[i]);
            assertThat(m.matches()).as(policy).isTrue();
            assertThat(m.group(1)).isEqualTo(limits.get(i).name());
            assertThat(m.group(2)).matches(NUMBER);
            assertThat(m.group(3)).matches(NUMBER);
            assertThat(Long.parseLong(m.group(2)))
                    .isLessThanOrEqualTo(limits.get(i).quota());
            assertThat(Long.parseLong(m.group(3)))
                    .isEqualTo(limits.get(i).window().getSeconds());
            smallestQuota = Math.min(smallestQuota, limits.get(i).quota());
        }
        String limit = fields.get(RateLimitFields.LIMIT);
        Matcher m = LIMIT_ITEM.matcher(limit);
        assertThat(m.matches()).as(limit).isTrue();
        assertThat(m.group(1)).isEqualTo(limits.get(0).name());
        assertThat(m.group(2)).matches(NUMBER);
        assertThat(m.group(3)).matches(NUMBER);
        assertThat(Long.parseLong(m.group(2))).isLessThanOrEqualTo(smallestQuota);
        if (status == BucketStore.Status.REJECTED) {
            assertThat(Long.parseLong(m.group(3))).isPositive();
        }
        assertThat(policy.length() + limit.length()).isLessThanOrEqualTo(100 * (limits.size() + 1));

        assertThat(deny.status()).isEqualTo(429);
        assertThat(deny.problem()).isEqualTo(Denials.rateLimited(1, Map.of()).problem());
        String retryAfter = deny.headers().get("Retry-After");
        assertThat(retryAfter).matches(NUMBER);
        BigInteger second = BigInteger.valueOf(1_000_000_000L);
        BigInteger ceil = BigInteger.valueOf(outcome.nanosToWaitForRefill())
                .add(second)
                .subtract(BigInteger.ONE)
                .divide(second);
        assertThat(new BigInteger(retryAfter)).isEqualTo(ceil.max(BigInteger.ONE));
        for (Map.Entry<String, String> header : deny.responseHeaders()) {
            assertThat(header.getValue()).matches("[\\x20-\\x7e]*");
        }
    }
}
