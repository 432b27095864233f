package dev.harvest.execution;

import dev.harvest.lease.AdmissionControl;
import dev.harvest.lease.AdmissionRequest;
import dev.harvest.lease.AdmissionTimeoutException;
import dev.harvest.lease.IdempotencyLedger;
import dev.harvest.lease.Lease;
import dev.harvest.lease.SecretResolver;
import dev.harvest.task.DeadLetterReason;
import dev.harvest.task.Lane;
import dev.harvest.task.TaskOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Runs attempts off the stream threads, JVM-wide: lane gate (in-flight cap) → admission (key + permit) →
 * handler → cooldown on 429 → release → completion callback. Every step is asynchronous; no thread waits on
 * a remote call. The callback runs on a dispatcher thread; callers hand completions back to their own thread.
 */
public final class TaskDispatcher implements AutoCloseable {

    private static final TaskOutcome CANCELLED = new TaskOutcome.RetryLater(Duration.ZERO, "Cancelled",
            "attempt cancelled: its partition was revoked or the instance stopped");

    /** The ledger's answer for an attempt that cannot be a replay: it has no record. */
    private static final CompletableFuture<Optional<String>> NOT_RECORDED = CompletableFuture.completedFuture(
            Optional.empty());

    private final Map<String, HandlerBinding> handlers;
    private final AdmissionControl admission;
    private final Duration admissionWait;
    private final Clock clock;
    private final ExecutorService executor;
    private final DispatchMetrics metrics;
    private final Map<String, LaneGate> gates = new ConcurrentHashMap<>();
    private final Drain drain = new Drain();
    private final LedgerLookahead lookahead;
    private final UnrecordedCompletions unrecorded;
    private final HandlerCall calls;

    public TaskDispatcher(Map<String, HandlerBinding> handlers, AdmissionControl admission, SecretResolver secrets,
                          Duration admissionWait, Clock clock, ExecutorService executor, DispatchMetrics metrics) {
        this(handlers, admission, secrets, admissionWait, clock, executor, metrics, IdempotencyLedger.none());
    }

    /**
     * @param ledger where completed tasks are recorded, so that a replayed task publishes its recorded result
     *               instead of calling the provider again
     */
    public TaskDispatcher(Map<String, HandlerBinding> handlers, AdmissionControl admission, SecretResolver secrets,
                          Duration admissionWait, Clock clock, ExecutorService executor, DispatchMetrics metrics,
                          IdempotencyLedger ledger) {
        this(handlers, admission, secrets, admissionWait, clock, executor, metrics, ledger, System::nanoTime);
    }

    /** As above; {@code ticker} (a {@link System#nanoTime()} stand-in) measures how old a ledger answer is. */
    TaskDispatcher(Map<String, HandlerBinding> handlers, AdmissionControl admission, SecretResolver secrets,
                   Duration admissionWait, Clock clock, ExecutorService executor, DispatchMetrics metrics,
                   IdempotencyLedger ledger, LongSupplier ticker) {
        this.lookahead = new LedgerLookahead(ledger, LedgerLookahead.MIN_DEPTH, LedgerLookahead.MAX_DEPTH,
                LedgerLookahead.FRESHNESS, ticker);
        this.handlers = Map.copyOf(handlers);
        this.admission = admission;
        this.admissionWait = admissionWait;
        this.clock = clock;
        this.executor = executor;
        this.unrecorded = new UnrecordedCompletions(ledger, executor);
        this.metrics = metrics;
        this.calls = new HandlerCall(admission, secrets, clock, executor, metrics, lookahead, unrecorded);
        this.handlers.values().stream().map(HandlerBinding::breaker).filter(Objects::nonNull)
                .forEach(metrics::registerBreaker);
    }

    /** Declares a lane and its in-flight cap; call once per lane before submitting. */
    public LaneGate registerLane(Lane lane, int maxInFlight) {
        LaneGate gate = gates.computeIfAbsent(lane.name(), n -> new LaneGate(maxInFlight, executor));
        metrics.registerInFlight(lane, gate);
        return gate;
    }

    /** The in-flight gate of a registered lane, or null. */
    public LaneGate gate(String lane) {
        return gates.get(lane);
    }

    /** The graceful stop of this dispatcher's attempts. */
    public Drain drain() {
        return drain;
    }

    public boolean knowsType(String type) {
        return handlers.containsKey(type);
    }

    /**
     * Starts an attempt; {@code onDone} gets exactly one completion, on a dispatcher thread, unless the
     * returned submission is cancelled first.
     */
    public Submission submit(Execution execution, Consumer<Completion> onDone) {
        LaneGate gate = gates.get(execution.lane().name());
        if (gate == null) {
            throw new IllegalStateException("lane not registered: " + execution.lane().name());
        }
        Submission submission = new Submission();
        gate.enter(() -> {
            if (drain.isDraining()) {
                submission.cancel();
            }
            if (submission.isCancelled()) {
                gate.leave();
                return;
            }
            start(execution, submission, completion -> {
                gate.leave();
                metrics.recordCompletion(completion);
                if (!submission.isCancelled()) {
                    onDone.accept(completion);
                }
            });
        });
        return submission;
    }

    private void start(Execution execution, Submission submission, Consumer<Completion> onDone) {
        HandlerBinding binding = handlers.get(execution.task().type());
        if (binding == null) {
            onDone.accept(immediate(execution, new TaskOutcome.DeadLetter(DeadLetterReason.UNKNOWN_TYPE,
                    "UnknownTaskType", "no handler for task type '" + execution.task().type() + "'")));
            return;
        }
        if (execution.task().isExpiredAt(clock.instant())) {
            onDone.accept(immediate(execution, new TaskOutcome.DeadLetter(DeadLetterReason.EXPIRED,
                    "DeadlinePassed", "deadline " + execution.task().deadline() + " passed before the task ran")));
            return;
        }
        // The breaker is asked first: while it is open, a task takes neither a key nor a permit.
        Optional<BreakerPass> pass = binding.breaker() == null ? Optional.of(BreakerPass.none())
                : binding.breaker().tryAcquire();
        if (pass.isEmpty()) {
            metrics.breakerRejected(binding.breaker());
            onDone.accept(immediate(execution, binding.breaker().rejection()));
            return;
        }
        admit(execution, binding, pass.get(), submission, onDone);
    }

    private void admit(Execution execution, HandlerBinding binding, BreakerPass pass, Submission submission,
                       Consumer<Completion> onDone) {
        AdmissionRequest request = new AdmissionRequest(execution.task().id(), execution.lane(),
                binding.keyPool(), binding.permits(), execution.task().effectiveCost());
        long waitStart = System.nanoTime();
        // Only a possible replay can have a recorded result: the others go to the provider without asking.
        boolean lookUp = execution.mayBeReplay();
        if (lookUp) {
            metrics.ledgerLookup(execution.lane());
        }
        LedgerLookahead.Ticket ticket = lookUp ? lookahead.enter(request) : null;
        CompletableFuture<Lease> admission = admitted(request);
        submission.track(admission);
        pass.guard(admission);
        admission.whenComplete((lease, error) -> {
            if (lease != null && !lease.holdsNothing()) {
                unrecorded.granted();
            }
            metrics.recordAdmissionWait(execution.lane(), System.nanoTime() - waitStart);
            CompletableFuture<Optional<String>> askedAhead = lookUp ? lookahead.leave(ticket) : NOT_RECORDED;
            if (pass.turnedAway()) {
                // The breaker opened while this task waited for its key and permit.
                if (lease != null) {
                    calls.releaseUnrun(lease);
                }
                metrics.breakerRejected(binding.breaker());
                onDone.accept(immediate(execution, binding.breaker().rejection()));
            } else if (error != null) {
                pass.release();
                onDone.accept(immediate(execution, admissionFailure(error)));
            } else if (submission.isCancelled() || drain.isDraining()) {
                pass.release();
                submission.cancel();
                calls.releaseUnrun(lease);
                onDone.accept(immediate(execution, CANCELLED));
            } else {
                calls.run(execution, binding, pass, lease, askedAhead, submission, onDone);
            }
        });
    }

    private CompletableFuture<Lease> admitted(AdmissionRequest request) {
        if (request.isFree()) {
            return CompletableFuture.completedFuture(Lease.none(request.taskId()));
        }
        try {
            return admission.acquire(request, admissionWait).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static TaskOutcome admissionFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        String errorClass = cause instanceof AdmissionTimeoutException ? "AdmissionTimeout"
                : cause.getClass().getSimpleName();
        return new TaskOutcome.RetryLater(Duration.ZERO, errorClass, message);
    }

    private Completion immediate(Execution execution, TaskOutcome outcome) {
        return Completion.withoutCall(execution, outcome, clock.instant());
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
