package dev.harvest.bench;

import dev.harvest.app.OutcomeCollector;
import dev.harvest.app.Summaries;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.LongStream;

/** Latency figures of the tasks whose key starts with a prefix, from the outcomes a collector read. */
final class LatencyFigures {

    private LatencyFigures() {
    }

    /**
     * {@code <figure>P50Ms}/{@code P99Ms}: from the record of each task whose key starts with {@code prefix} to its
     * outcome record; {@code <figure>ReadP50Ms}/{@code ReadP99Ms}: to the moment the outcome was read.
     */
    static Map<String, Object> of(OutcomeCollector collector, String prefix, String figure) {
        return of(figure, sorted(collector, prefix, OutcomeCollector.Outcome::latencyMs),
                sorted(collector, prefix, OutcomeCollector.Outcome::readMs));
    }

    /**
     * {@code <figure>P50Ms}/{@code P99Ms} of the sorted {@code written}; {@code <figure>ReadP50Ms}/{@code ReadP99Ms}
     * of the sorted {@code read}.
     */
    static Map<String, Object> of(String figure, List<Long> written, List<Long> read) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(figure + "P50Ms", Summaries.pct(written, 50));
        out.put(figure + "P99Ms", Summaries.pct(written, 99));
        out.put(figure + "ReadP50Ms", Summaries.pct(read, 50));
        out.put(figure + "ReadP99Ms", Summaries.pct(read, 99));
        return out;
    }

    /** The mean latency from the task record to its outcome record. */
    static double mean(OutcomeCollector collector, String prefix) {
        return values(collector, prefix, OutcomeCollector.Outcome::latencyMs).average().orElse(0);
    }

    static List<Long> sorted(OutcomeCollector collector, String prefix,
                             ToLongFunction<OutcomeCollector.Outcome> figure) {
        return values(collector, prefix, figure).sorted().boxed().toList();
    }

    /** {@code figure} of each such task that has it (a negative value means it has none). */
    private static LongStream values(OutcomeCollector collector, String prefix,
                                     ToLongFunction<OutcomeCollector.Outcome> figure) {
        return collector.outcomes().values().stream().filter(x -> x.key().startsWith(prefix))
                .mapToLong(figure).filter(v -> v >= 0);
    }
}
