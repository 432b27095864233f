package dev.harvest.bench;

import dev.harvest.app.Summaries;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/** Latency figures of the tasks whose key starts with a prefix, from the outcomes a {@link LatencyLog} took. */
final class LatencyFigures {

    private LatencyFigures() {
    }

    /**
     * {@code <figure>P50Ms}/{@code P99Ms}: from the record of each task whose key starts with {@code prefix} to its
     * outcome record; {@code <figure>ReadP50Ms}/{@code ReadP99Ms}: to the moment the outcome was read.
     */
    static Map<String, Object> of(LatencyLog log, String prefix, String figure) {
        return of(figure, sorted(log.latencies(prefix)), sorted(log.reads(prefix)));
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

    /**
     * The p99 latency to the outcome record of each of the series {@code names} alone (of each repeat of a
     * measurement), so that a figure taken over all of them shows its spread from run to run.
     */
    static List<Long> p99Each(LatencyLog log, List<String> names) {
        return names.stream().map(name -> Summaries.pct(sorted(log.latenciesOf(name)), 99)).toList();
    }

    /** The mean latency from the task record to its outcome record. */
    static double mean(LatencyLog log, String prefix) {
        return log.latencies(prefix).average().orElse(0);
    }

    static List<Long> sorted(LongStream values) {
        return values.sorted().boxed().toList();
    }
}
