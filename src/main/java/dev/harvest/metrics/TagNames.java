package dev.harvest.metrics;

/** Tag keys used on the project's meters. Never put a secret in a tag value. */
public final class TagNames {

    public static final String LANE = "lane";
    public static final String TYPE = "type";
    public static final String OUTCOME = "outcome";
    public static final String REASON = "reason";
    public static final String TIER = "tier";
    public static final String POOL = "pool";
    public static final String KEY = "key";
    public static final String STATE = "state";
    public static final String SEMAPHORE = "semaphore";
    /** Task type of a handler. */
    public static final String HANDLER = "handler";
    /** Name of a singleton job (not {@code job}, which Prometheus reserves for the scrape job). */
    public static final String JOB = "singleton";

    private TagNames() {
    }
}
