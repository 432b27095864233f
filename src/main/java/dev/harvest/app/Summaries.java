package dev.harvest.app;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns collected outcomes into a {@link DemoSummary}. */
public final class Summaries {

    private Summaries() {
    }

    static DemoSummary of(long produced, OutcomeCollector collector, double seconds) {
        Collection<OutcomeCollector.Outcome> all = collector.outcomes().values();
        long completed = all.stream().filter(OutcomeCollector.Outcome::completed).count();
        long dead = all.size() - completed;
        long retried = all.stream().mapToLong(o -> Math.max(0, o.attempts() - 1)).sum();
        List<Long> latencies = latencies(all);
        Map<String, Map<String, Long>> byLane = new TreeMap<>();
        Map<String, List<OutcomeCollector.Outcome>> grouped = new TreeMap<>();
        all.forEach(o -> grouped.computeIfAbsent(o.lane() == null ? "?" : o.lane(), k -> new ArrayList<>()).add(o));
        grouped.forEach((lane, list) -> byLane.put(lane, laneRow(list)));
        Map<String, Long> reasons = new TreeMap<>();
        all.stream().filter(o -> !o.completed()).forEach(o -> reasons.merge(String.valueOf(o.reason()), 1L, Long::sum));
        return new DemoSummary(produced, completed, dead, retried, produced - completed - dead,
                collector.duplicates(), seconds <= 0 ? 0 : all.size() / seconds, pct(latencies, 50),
                pct(latencies, 95), pct(latencies, 99), seconds, byLane, reasons, new LinkedHashMap<>());
    }

    private static Map<String, Long> laneRow(List<OutcomeCollector.Outcome> list) {
        List<Long> lat = latencies(list);
        Map<String, Long> row = new LinkedHashMap<>();
        row.put("completed", list.stream().filter(OutcomeCollector.Outcome::completed).count());
        row.put("retried", list.stream().mapToLong(o -> Math.max(0, o.attempts() - 1)).sum());
        row.put("deadLettered", list.stream().filter(o -> !o.completed()).count());
        row.put("p50Ms", pct(lat, 50));
        row.put("p95Ms", pct(lat, 95));
        row.put("p99Ms", pct(lat, 99));
        return row;
    }

    private static List<Long> latencies(Collection<OutcomeCollector.Outcome> outcomes) {
        List<Long> lat = new ArrayList<>();
        outcomes.stream().filter(o -> o.latencyMs() >= 0).forEach(o -> lat.add(o.latencyMs()));
        lat.sort(null);
        return lat;
    }

    /** Nearest-rank percentile of sorted values; 0 for no data. */
    public static long pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
