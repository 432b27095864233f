package dev.harvest.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class LaneConsumerTest {

    private static final Duration QUICK = Duration.ofMillis(5);
    private final AtomicInteger asked = new AtomicInteger();

    @Test
    void shouldWaitNoLongerThanTheBusyPollWhileAttemptsRun() {
        assertThat(LaneConsumer.timeoutFor(Duration.ofMillis(20), busy(true), QUICK)).isEqualTo(QUICK);
        assertThat(LaneConsumer.timeoutFor(Duration.ofSeconds(30), busy(true), QUICK)).isEqualTo(QUICK);
    }

    @Test
    void shouldWaitAsAskedWhenNothingRuns() {
        assertThat(LaneConsumer.timeoutFor(Duration.ofMillis(20), busy(false), QUICK)).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void shouldNotAskWhetherAttemptsRunForAPollShorterThanTheBusyPoll() {
        assertThat(LaneConsumer.timeoutFor(Duration.ZERO, busy(true), QUICK)).isEqualTo(Duration.ZERO);
        assertThat(LaneConsumer.timeoutFor(Duration.ofMillis(5), busy(true), QUICK)).isEqualTo(QUICK);
        assertThat(asked).as("polls that return at once under load cost no lock").hasValue(0);
    }

    private BooleanSupplier busy(boolean running) {
        return () -> {
            asked.incrementAndGet();
            return running;
        };
    }
}
