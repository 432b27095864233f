package dev.harvest.execution;

import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.KeySecret;
import dev.harvest.lease.Lease;
import dev.harvest.lease.SecretResolver;
import dev.harvest.task.TaskOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The call of an admitted attempt: the key's secret → the idempotency ledger (a recorded task is not called
 * again) → the handler, bounded by its timeout → cooldown on 429 → ledger write and release of the lease →
 * completion. A lease that was lost meanwhile is not used, and its attempt says so in its completion.
 */
final class HandlerCall {

    private static final Logger LOG = LoggerFactory.getLogger(HandlerCall.class);
    /** The actual cost of an attempt that never reached its handler: its whole reservation is refunded. */
    private static final Double NOT_RUN = 0.0;

    private final AdmissionControl admission;
    private final SecretResolver secrets;
    private final Clock clock;
    private final ExecutorService executor;
    private final DispatchMetrics metrics;
    private final LedgerLookahead lookahead;
    private final UnrecordedCompletions unrecorded;

    HandlerCall(AdmissionControl admission, SecretResolver secrets, Clock clock, ExecutorService executor,
                DispatchMetrics metrics, LedgerLookahead lookahead, UnrecordedCompletions unrecorded) {
        this.admission = admission;
        this.secrets = secrets;
        this.clock = clock;
        this.executor = executor;
        this.metrics = metrics;
        this.lookahead = lookahead;
        this.unrecorded = unrecorded;
    }

    /**
     * Calls the handler with {@code lease}, or answers from the ledger ({@code askedAhead}, when the answer was
     * asked for while the attempt waited for admission); {@code onDone} gets the one completion.
     */
    void run(Execution execution, HandlerBinding binding, BreakerPass pass, Lease lease,
             CompletableFuture<Optional<String>> askedAhead, Submission submission, Consumer<Completion> onDone) {
        submission.markStarted();
        Instant startedAt = clock.instant();
        Optional<KeySecret> secret = secretOf(lease);
        if (lease.keyId() != null && secret.isEmpty()) {
            pass.release();
            releaseUnrun(lease);
            onDone.accept(Completion.withoutCall(execution, new TaskOutcome.RetryLater(Duration.ZERO, "MissingSecret",
                    "no secret available for key '" + lease.keyId() + "' of pool '" + lease.keyPool() + "'"),
                    clock.instant()));
            return;
        }
        TaskContext context = new TaskContext(execution.task(), execution.attempt(), execution.lane(),
                lease.keyId(), secret.orElse(null), () -> lease.holdsNothing() || admission.isHeld(lease));
        long callStart = System.nanoTime();
        CompletableFuture<TaskOutcome> call = unlessRecorded(execution, binding, pass, context, submission, lease,
                askedAhead);
        submission.track(call);
        call.whenComplete((outcome, error) -> {
            TaskOutcome result = error == null ? outcome : OutcomeClassifier.fromFailure(error);
            if (submission.isCancelled()) {
                pass.release();
            } else {
                pass.record(result, System.nanoTime() - callStart);
            }
            boolean lost = !lease.holdsNothing() && !admission.isHeld(lease);
            // A call that timed out or was cancelled may still be running at the provider.
            settle(execution, lease, result, error == null && !submission.isCancelled() && !lost);
            onDone.accept(new Completion(execution, result, lease.keyId(), startedAt, clock.instant(), lost));
        });
    }

    /** The secret of the lease's key; empty for a lease without a key, or when the secret cannot be had. */
    private Optional<KeySecret> secretOf(Lease lease) {
        try {
            return lease.keyId() == null ? Optional.empty() : secrets.secretOf(lease.keyPool(), lease.keyId());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** After the call: the key's cooldown on a 429, the ledger's record of a completion, the lease given back. */
    private void settle(Execution execution, Lease lease, TaskOutcome result, boolean callEnded) {
        if (result instanceof TaskOutcome.RateLimited limited) {
            metrics.rateLimited(lease.keyPool(), lease.keyId());
            if (lease.keyId() != null) {
                admission.cooldown(lease, limited.retryAfter());
            }
        }
        if (result instanceof TaskOutcome.Completed done) {
            // The result is published without waiting for the write: the ledger matters only for a run whose
            // result never committed, and that run sees the same whether the write lands before or after. The
            // lease may wait for it (UnrecordedCompletions), to bound what a crash makes run twice.
            unrecorded.recordThenRelease(execution.task().id(), done.resultJson(),
                    () -> release(lease, done.actualCost(), callEnded));
        } else {
            release(lease, null, callEnded);
        }
    }

    private CompletableFuture<TaskOutcome> unlessRecorded(Execution execution, HandlerBinding binding,
                                                          BreakerPass pass, TaskContext context,
                                                          Submission submission, Lease lease,
                                                          CompletableFuture<Optional<String>> askedAhead) {
        // An answer asked for just before the lease arrived (LedgerLookahead), else one asked for now: another
        // instance may complete the task while it waits (it ran it before a rebalance), and an answer from before
        // a long wait would call the provider again.
        CompletableFuture<Optional<String>> answer = askedAhead != null ? askedAhead
                : lookahead.lookUp(execution.task().id());
        Function<Optional<String>, CompletableFuture<TaskOutcome>> next = recorded -> {
            if (recorded.isPresent()) {
                pass.release();
                metrics.ledgerSkip(execution.lane());
                return CompletableFuture.completedFuture(new TaskOutcome.Completed(recorded.get()));
            }
            if (!lease.holdsNothing() && !admission.isHeld(lease)) {
                // Lost before the call (e.g. the process was stopped past its TTL): its key may be another's now.
                pass.release();
                return CompletableFuture.completedFuture(new TaskOutcome.RetryLater(Duration.ZERO, "LeaseLost",
                        "lease " + lease.leaseId() + " was lost before the call started"));
            }
            CompletableFuture<TaskOutcome> handlerCall = invoke(binding, context);
            submission.track(handlerCall);
            return handlerCall;
        };
        // An answer still on its way completes on the ledger's I/O thread: the task goes on from the executor.
        return answer.isDone() ? answer.thenCompose(next) : answer.thenComposeAsync(next, executor);
    }

    private CompletableFuture<TaskOutcome> invoke(HandlerBinding binding, TaskContext context) {
        try {
            return binding.handler().handle(context).toCompletableFuture()
                    .orTimeout(binding.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Gives back the lease of an attempt that never reached its handler. */
    void releaseUnrun(Lease lease) {
        release(lease, NOT_RUN, true);
    }

    /**
     * Gives the lease back; {@code actualCost} (when known) settles the cost reserved at admission, and
     * {@code callEnded} is false while the call may still be running at the provider.
     */
    private void release(Lease lease, Double actualCost, boolean callEnded) {
        if (lease.holdsNothing()) {
            return;
        }
        unrecorded.returned();
        admission.release(lease, actualCost, callEnded).whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("release of lease {} failed; it will expire: {}", lease.leaseId(), e.toString());
            }
        });
    }
}
