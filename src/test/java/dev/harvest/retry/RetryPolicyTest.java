package dev.harvest.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.harvest.config.RetryConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    private static final List<Duration> DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(1));
    private static final List<String> TOPICS = List.of("p.retry.1s", "p.retry.10s", "p.retry.1m");

    private static RetryPolicy policy(int maxAttempts, double jitter, RandomGenerator random) {
        return new RetryPolicy(new RetryConfig(DELAYS, maxAttempts, jitter), TOPICS, random);
    }

    @ParameterizedTest(name = "attempt {0} -> tier {1}")
    @CsvSource({
        "1, 0, p.retry.1s, 1000",
        "2, 1, p.retry.10s, 10000",
        "3, 2, p.retry.1m, 60000",
        "4, 2, p.retry.1m, 60000",
        "7, 2, p.retry.1m, 60000",
    })
    void shouldPickTierOfAttemptWhenAttemptFails(int failedAttempt, int tier, String topic, long delayMs) {
        RetryPolicy policy = policy(8, 0.0, new Random(1));

        RetryDecision decision = policy.decide(failedAttempt, Duration.ZERO);

        assertThat(decision).isEqualTo(new RetryDecision.Retry(tier, topic, Duration.ofMillis(delayMs)));
    }

    @Test
    void shouldGiveUpWhenFailedAttemptIsTheLast() {
        RetryPolicy policy = policy(4, 0.2, new Random(7));

        assertThat(policy.decide(3, Duration.ZERO)).isInstanceOf(RetryDecision.Retry.class);
        assertThat(policy.decide(4, Duration.ZERO)).isEqualTo(new RetryDecision.GiveUp(4));
        assertThat(policy.decide(5, Duration.ZERO)).isEqualTo(new RetryDecision.GiveUp(5));
        assertThat(policy.maxAttempts()).isEqualTo(4);
    }

    @Test
    void shouldGiveUpAtOnceWhenOnlyOneAttemptIsAllowed() {
        assertThat(policy(1, 0.0, new Random(1)).decide(1, Duration.ofSeconds(5))).isEqualTo(new RetryDecision.GiveUp(1));
    }

    @Test
    void shouldGiveUpEvenWhenProviderAskedForAWait() {
        assertThat(policy(2, 0.0, new Random(1)).decide(2, Duration.ofHours(1))).isEqualTo(new RetryDecision.GiveUp(2));
    }

    @Test
    void shouldStayWithinJitterBoundsAndSpreadWhenJitterIsSet() {
        RetryPolicy policy = policy(10, 0.2, new Random(42));
        List<Long> delays = new ArrayList<>();

        for (int i = 0; i < 2000; i++) {
            delays.add(((RetryDecision.Retry) policy.decide(2, Duration.ZERO)).delay().toMillis());
        }

        assertThat(delays).allSatisfy(ms -> assertThat(ms).isBetween(8000L, 12000L));
        // Spread over (almost) the whole band, both below and above the base delay.
        assertThat(delays.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(8200L);
        assertThat(delays.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThan(11800L);
        assertThat(delays.stream().distinct().count()).isGreaterThan(500);
    }

    @Test
    void shouldHitBandEdgesWhenRandomIsAtItsExtremes() {
        assertThat(delayWith(0.0)).isEqualTo(Duration.ofMillis(800));
        assertThat(delayWith(0.5)).isEqualTo(Duration.ofMillis(1000));
        assertThat(delayWith(Math.nextDown(1.0))).isEqualTo(Duration.ofMillis(1200));
    }

    @Test
    void shouldRepeatTheSameDelaysWhenSeedIsTheSame() {
        RetryPolicy a = policy(10, 0.2, new Random(99));
        RetryPolicy b = policy(10, 0.2, new Random(99));

        for (int attempt = 1; attempt < 10; attempt++) {
            assertThat(a.decide(attempt, Duration.ZERO)).isEqualTo(b.decide(attempt, Duration.ZERO));
        }
    }

    @Test
    void shouldNotTouchRandomWhenJitterIsZero() {
        RandomGenerator failing = () -> {
            throw new AssertionError("random used although jitter is 0");
        };

        assertThat(policy(4, 0.0, failing).decide(1, Duration.ZERO))
                .isEqualTo(new RetryDecision.Retry(0, "p.retry.1s", Duration.ofSeconds(1)));
    }

    @Test
    void shouldHonourRetryAfterWhenItIsLongerThanTheTierDelay() {
        RetryPolicy policy = policy(4, 0.2, new Random(3));

        RetryDecision decision = policy.decide(1, Duration.ofSeconds(30));

        assertThat(decision).isEqualTo(new RetryDecision.Retry(0, "p.retry.1s", Duration.ofSeconds(30)));
    }

    @Test
    void shouldKeepTierDelayWhenRetryAfterIsShorter() {
        RetryPolicy policy = policy(4, 0.0, new Random(3));

        assertThat(policy.decide(2, Duration.ofMillis(100)))
                .isEqualTo(new RetryDecision.Retry(1, "p.retry.10s", Duration.ofSeconds(10)));
        assertThat(policy.decide(2, null))
                .isEqualTo(new RetryDecision.Retry(1, "p.retry.10s", Duration.ofSeconds(10)));
    }

    @Test
    void shouldRejectWhenTopicsDoNotMatchDelays() {
        RetryConfig config = new RetryConfig(DELAYS, 4, 0.2);

        assertThatThrownBy(() -> new RetryPolicy(config, List.of("only-one"), new Random(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Duration delayWith(double nextDouble) {
        RandomGenerator fixed = new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return nextDouble;
            }
        };
        return ((RetryDecision.Retry) policy(4, 0.2, fixed).decide(1, Duration.ZERO)).delay();
    }
}
