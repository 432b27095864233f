package dev.harvest.bench;

import dev.harvest.config.PipelineConfig;
import dev.harvest.lease.redis.RedisIdempotencyLedger;
import dev.harvest.redis.RedisClients;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The result pass-throughs: the plain pass-through's records written as the pipeline's results, then also recorded
 * in the idempotency ledger as the pipeline records a completed task. What Kafka and Redis cost for what the
 * pipeline must write per task, with none of its own work between: the pipeline's rate can be no higher.
 */
final class ResultPassthroughs {

    private ResultPassthroughs() {
    }

    /**
     * {@code resultBytes}, {@code resultPassthroughPerSec} and {@code ledgerPassthroughPerSec}, each rate's ratio to
     * the plain pass-through's {@code passthroughPerSec}, and their CPU figures.
     *
     * @param ledgerPipeline names the ledger's keys in Redis
     */
    static Map<String, Object> measure(BenchStack stack, Passthrough baseline, ResultSample sample,
                                       double passthroughPerSec, String ledgerPipeline, Consumer<String> log) {
        log.accept("result pass-throughs: records of " + sample.bytes() + " bytes (value and headers), as the"
                + " pipeline's results");
        Backlogs results = baseline.asResults("results", sample, null);
        Backlogs ledgered;
        try (RedisClients redis = RedisClients.connect(stack.redis())) {
            ledgered = baseline.asResults("ledger", sample, new RedisIdempotencyLedger(redis, ledgerPipeline,
                    PipelineConfig.DEFAULT_LEDGER_TTL, RedisIdempotencyLedger.MAX_RESULT_BYTES));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("resultBytes", sample.bytes());
        out.putAll(results.rateAgainst("resultPassthrough", passthroughPerSec));
        out.putAll(results.costPerUnit("resultPassthrough"));
        out.putAll(ledgered.rateAgainst("ledgerPassthrough", passthroughPerSec));
        out.putAll(ledgered.costPerUnit("ledgerPassthrough"));
        return out;
    }
}
