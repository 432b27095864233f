package dev.harvest.cli;

import dev.harvest.app.DemoSummary;
import java.io.PrintStream;
import java.util.Map;

/** Prints a run's figures as a table a person reads at a glance. */
final class SummaryTable {

    private SummaryTable() {
    }

    static void print(DemoSummary s, PrintStream out) {
        out.println();
        out.printf("%-8s %10s %10s %13s %8s %8s %8s%n", "lane", "completed", "retries", "dead-letters", "p50 ms",
                "p95 ms", "p99 ms");
        for (Map.Entry<String, Map<String, Long>> e : s.byLane().entrySet()) {
            Map<String, Long> r = e.getValue();
            out.printf("%-8s %10d %10d %13d %8d %8d %8d%n", e.getKey(), r.get("completed"), r.get("retried"),
                    r.get("deadLettered"), r.get("p50Ms"), r.get("p95Ms"), r.get("p99Ms"));
        }
        out.printf("%-8s %10d %10d %13d %8d %8d %8d%n", "total", s.completed(), s.retried(), s.deadLettered(),
                s.p50Ms(), s.p95Ms(), s.p99Ms());
        out.println();
        out.printf("produced %d, completed %d, dead-lettered %d, lost %d, duplicate outcomes %d%n", s.produced(),
                s.completed(), s.deadLettered(), s.lost(), s.duplicateOutcomes());
        out.printf("throughput %.1f tasks/s over %.1f s; dead letters by reason: %s%n", s.throughputPerSec(),
                s.seconds(), s.deadLettersByReason());
        printKeys(s, out);
        s.extra().forEach((k, v) -> {
            if (!k.equals("byKey")) {
                out.printf("%s: %s%n", k, v);
            }
        });
        out.println("look next: GET /metrics on the app's metrics port while it runs (demo --keep-running), and"
                + " `harvest dlq list --topology F` or kafka-console-consumer --property print.headers=true"
                + " --topic <deadLetterTopic>");
    }

    @SuppressWarnings("unchecked")
    private static void printKeys(DemoSummary s, PrintStream out) {
        Object byKey = s.extra().get("byKey");
        if (!(byKey instanceof Map<?, ?> keys)) {
            return;
        }
        out.println();
        out.printf("%-12s %8s %8s %16s%n", "key", "calls", "429s", "max concurrent");
        Object cap = s.extra().get("keyConcurrencyCap");
        ((Map<String, Map<String, Long>>) keys).forEach((key, row) -> out.printf("%-12s %8d %8d %11d / %s%n", key,
                row.get("calls"), row.get("rateLimited"), row.get("maxConcurrent"), cap));
    }
}
