package dev.harvest.execution;

import dev.harvest.config.BreakerConfig;
import dev.harvest.config.Durations;
import dev.harvest.task.TaskOutcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The circuit breaker of one handler (a resilience4j {@link CircuitBreaker}), consulted before a task takes a key
 * and a permit. Calls that end in {@link TaskOutcome.RetryLater} (5xx, 408, timeouts, I/O errors) are failures;
 * answers the provider gave on purpose (results, 4xx) are successes; 429s and attempts that never reached the
 * handler are not counted. Thread-safe.
 */
public final class HandlerBreaker {

    /** What callers see of the breaker's state. */
    public enum State {
        CLOSED, OPEN, HALF_OPEN, DISABLED;

        /** The state as written in metrics and tables: {@code closed}, {@code open}, {@code half-open}, ... */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final String handler;
    private final CircuitBreaker breaker;
    private final Duration wait;
    private final Clock clock;
    private final List<Consumer<State>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong generation = new AtomicLong();
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();
    private volatile Instant openUntil = Instant.MIN;

    private HandlerBreaker(String handler, CircuitBreaker breaker, Duration wait, Clock clock) {
        this.handler = handler;
        this.breaker = breaker;
        this.wait = wait;
        this.clock = clock;
        breaker.getEventPublisher().onStateTransition(event -> {
            State to = map(event.getStateTransition().getToState());
            generation.incrementAndGet();
            if (to == State.OPEN) {
                openUntil = clock.instant().plus(wait);
                // Tasks still waiting for a key and a permit were let in while the breaker was closed: stop them.
                waiting.forEach(f -> f.cancel(false));
            }
            listeners.forEach(l -> l.accept(to));
        });
    }

    /**
     * The breaker of handler {@code handler}, or empty when {@code config} turns it off.
     *
     * @param timeout the handler's timeout: a probe that never answers is bounded by it
     */
    public static Optional<HandlerBreaker> create(String handler, BreakerConfig config, Duration timeout,
                                                  Clock clock) {
        if (!config.enabled()) {
            return Optional.empty();
        }
        CircuitBreakerConfig r4j = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.window())
                .minimumNumberOfCalls(config.minCalls())
                .failureRateThreshold(config.failureRate())
                .slowCallRateThreshold(config.slowCallRate())
                .slowCallDurationThreshold(config.slowCall())
                .waitDurationInOpenState(config.openFor())
                .permittedNumberOfCallsInHalfOpenState(config.halfOpenCalls())
                // A probe whose answer got lost must not hold the breaker half-open for ever.
                .maxWaitDurationInHalfOpenState(timeout.multipliedBy(2).plus(config.openFor()))
                .recordResult(result -> result instanceof TaskOutcome.RetryLater)
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
        return Optional.of(new HandlerBreaker(handler, CircuitBreaker.of(handler, r4j), config.openFor(), clock));
    }

    /** A pass for one call, or empty while the breaker is open (or all half-open probes are out). */
    public Optional<BreakerPass> tryAcquire() {
        // Read after the call: asking may itself move an open breaker on to half-open.
        return breaker.tryAcquirePermission() ? Optional.of(new BreakerPass(this, generation.get()))
                : Optional.empty();
    }

    /**
     * The outcome of a task the breaker turned away: a retry no sooner than the breaker lets calls through
     * again (the rest of its open time; nothing extra while half-open probes are out).
     */
    public TaskOutcome.RetryLater rejection() {
        Duration remaining = Duration.between(clock.instant(), openUntil);
        Duration delay = state() == State.OPEN && remaining.compareTo(Duration.ZERO) > 0 ? remaining : Duration.ZERO;
        return new TaskOutcome.RetryLater(delay, "CircuitOpen", "circuit breaker of handler '" + handler + "' is "
                + state().label() + "; provider calls resume in " + Durations.format(delay));
    }

    /** Calls {@code listener} with the new state at every transition. */
    public void onTransition(Consumer<State> listener) {
        listeners.add(listener);
    }

    public String handler() {
        return handler;
    }

    public State state() {
        return map(breaker.getState());
    }

    /** Failed calls in the window, in percent; -1 until {@code minCalls} calls were made. */
    public float failureRate() {
        return breaker.getMetrics().getFailureRate();
    }

    /** Slow calls in the window, in percent; -1 until {@code minCalls} calls were made. */
    public float slowCallRate() {
        return breaker.getMetrics().getSlowCallRate();
    }

    /** How long the breaker stays open once it opens. */
    public Duration waitDuration() {
        return wait;
    }

    long generation() {
        return generation.get();
    }

    /** Cancels {@code admission} if the breaker opens before it completes. */
    void cancelOnOpen(CompletableFuture<?> admission) {
        waiting.add(admission);
        admission.whenComplete((v, e) -> waiting.remove(admission));
        if (state() == State.OPEN) {
            admission.cancel(false);
        }
    }

    void record(TaskOutcome outcome, long nanos) {
        if (outcome instanceof TaskOutcome.RateLimited) {
            breaker.releasePermission();
        } else {
            breaker.onResult(nanos, TimeUnit.NANOSECONDS, outcome);
        }
    }

    void release() {
        breaker.releasePermission();
    }

    private static State map(CircuitBreaker.State state) {
        return switch (state) {
            case CLOSED, METRICS_ONLY -> State.CLOSED;
            case OPEN, FORCED_OPEN -> State.OPEN;
            case HALF_OPEN -> State.HALF_OPEN;
            case DISABLED -> State.DISABLED;
        };
    }
}
