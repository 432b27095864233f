package dev.harvest.lease.redis;

import dev.harvest.metrics.MetricNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long granted requests waited in Redis admission, by the way their lease came ({@code path}):
 * {@code handed-over} from a task of this instance that ended ({@link LeaseReuse}), {@code first-call} granted by
 * Redis at the first acquire call that carried the request (its wait is the wait for that call and its reply), or
 * {@code after-refusal} granted by Redis after Redis had found nothing free for it (the wait adds the time until
 * something was freed, the wake-up and another call). Which path the waiting goes to shows where a wait for a
 * permit comes from, and what {@code leaseReuse} changes.
 */
final class WaitPaths {

    private final LongSupplier ticker;
    private final Timer handedOver;
    private final Timer firstCall;
    private final Timer afterRefusal;

    WaitPaths(LongSupplier ticker, MeterRegistry registry) {
        this.ticker = ticker;
        this.handedOver = timer(registry, "handed-over");
        this.firstCall = timer(registry, "first-call");
        this.afterRefusal = timer(registry, "after-refusal");
    }

    private static Timer timer(MeterRegistry registry, String path) {
        return Timer.builder(MetricNames.ADMISSION_REDIS_WAIT)
                .description("Time a granted request waited in Redis admission, by how its lease came")
                .tag("path", path).register(registry);
    }

    /** The request is submitted now. */
    void submitted(Waiter w) {
        w.submittedAt = ticker.getAsLong();
    }

    /** Redis granted {@code w} its lease. */
    void grantedByRedis(Waiter w) {
        (w.refused ? afterRefusal : firstCall).record(ticker.getAsLong() - w.submittedAt, TimeUnit.NANOSECONDS);
    }

    /** {@code w} got its lease from a task of this instance that ended. */
    void handedOver(Waiter w) {
        handedOver.record(ticker.getAsLong() - w.submittedAt, TimeUnit.NANOSECONDS);
    }
}
