package dev.harvest.metrics;

/**
 * Every meter the project registers, in one place. Prometheus names add the unit and {@code _total} suffixes,
 * e.g. {@code harvest.tasks} becomes {@code harvest_tasks_total}.
 */
public final class MetricNames {

    /** Tasks finished, by lane, type and outcome (completed, retried, dead-lettered, rate-limited). */
    public static final String TASKS = "harvest.tasks";
    /** Time a handler took for one attempt. */
    public static final String TASK_DURATION = "harvest.task.duration";
    /** From first seen to final outcome (results or DLQ). */
    public static final String TASK_E2E = "harvest.task.e2e";
    /** Tasks executing now, per lane. */
    public static final String IN_FLIGHT = "harvest.inflight";
    /** Time from submission to a granted lease. */
    public static final String ADMISSION_WAIT = "harvest.admission.wait";
    public static final String ADMISSION_WAITING = "harvest.admission.waiting";
    public static final String LEASES_HELD = "harvest.admission.leases.held";
    public static final String LEASES_REUSED = "harvest.admission.leases.reused";
    public static final String LEASES_KEPT = "harvest.admission.leases.kept";
    /** Time a granted request waited in Redis admission, by how its lease came (tag path). */
    public static final String ADMISSION_REDIS_WAIT = "harvest.admission.redis.wait";
    /** Retries sent to a delay tier, by tier. */
    public static final String RETRIES = "harvest.retries";
    /** Dead letters written, by reason. */
    public static final String DEAD_LETTERS = "harvest.dlq";
    /** Dead letters the redrive job sent back to their lane, by reason. */
    public static final String REDRIVEN = "harvest.dlq.redriven";
    /** Records dropped as duplicates by idempotency key. */
    public static final String DUPLICATES = "harvest.duplicates.dropped";
    /** Attempts whose lease was lost while the handler ran. */
    public static final String LEASES_LOST = "harvest.leases.lost";
    /** HTTP 429 answers by pool and key id. */
    public static final String RATE_LIMITED = "harvest.ratelimited";
    /** Key leases in use per pool and state (in-use, cooling). */
    public static final String KEY_LEASES = "harvest.key.leases";
    /** Permits in use per semaphore. */
    public static final String PERMITS_IN_USE = "harvest.permits.in.use";
    /** Permits per semaphore. */
    public static final String PERMITS_MAX = "harvest.permits.max";
    /** 1 while this instance leads the job. */
    public static final String LEADER = "harvest.leader";
    /** Times this instance gained or lost leadership of a job. */
    public static final String LEADER_TRANSITIONS = "harvest.leader.transitions";
    /** Consumer lag per lane. */
    public static final String LANE_LAG = "harvest.lane.lag";
    /** Replayed tasks answered from the idempotency ledger instead of the provider. */
    public static final String LEDGER_SKIPS = "harvest.ledger.skips";
    public static final String LEDGER_LOOKUPS = "harvest.ledger.lookups";
    /** 1 for the state a handler's circuit breaker is in, 0 for the others, by handler and state. */
    public static final String BREAKER_STATE = "harvest.breaker.state";
    /** State changes of a handler's circuit breaker, by handler and the state entered. */
    public static final String BREAKER_TRANSITIONS = "harvest.breaker.transitions";
    /** Attempts sent to the retry path without a provider call because the handler's breaker was open. */
    public static final String BREAKER_REJECTED = "harvest.breaker.rejected";
    /** Redis round trips (script calls) made by the admission control. */
    public static final String REDIS_CALLS = "harvest.redis.calls";

    private MetricNames() {
    }
}
