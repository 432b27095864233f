package dev.harvest.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A Kafka Streams app's stream-thread commits over a stretch of a run (the paced tasks or records), counted from
 * {@link #from} to {@link #figures}: {@code <prefix>CommitsPerSec}, {@code <prefix>CommitMs} (the mean time a commit
 * takes) and {@code <prefix>CommitRatio} (the share of a thread's time spent committing). A commit stops the
 * thread, so records and completions that arrive meanwhile wait.
 *
 * <p>The count is Kafka Streams' {@code commit-total}, so the rate is that of the stretch alone; Kafka's windowed
 * {@code commit-rate} covers about the last minute, most of an app's life when the app is a pass-through started
 * for the stretch, and understated its rate by half. A commit's time is taken from the windowed {@code commit-ratio}
 * over {@code commit-rate}, which are diluted alike (Kafka's {@code commit-latency-avg} is per task committed).
 */
final class Commits {

    private final KafkaStreams app;
    private final double total;
    private final long startNanos;

    private Commits(KafkaStreams app) {
        this.app = app;
        this.total = thread(app, "commit-total");
        this.startNanos = System.nanoTime();
    }

    /** Starts counting {@code app}'s commits. */
    static Commits from(KafkaStreams app) {
        return new Commits(app);
    }

    /** The commit figures since {@link #from}. */
    Map<String, Object> figures(String prefix) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = thread(app, "commit-rate");
        double commitMs = rate > 0 ? thread(app, "commit-ratio") / rate * 1000 : 0;
        return figures(prefix, thread(app, "commit-total") - total, seconds, commitMs,
                app.metadataForLocalThreads().size());
    }

    /**
     * @param commits  made over the stretch, by all the app's stream threads
     * @param windowedMs the mean time one takes, over Kafka's metric windows
     */
    static Map<String, Object> figures(String prefix, double commits, double seconds, double windowedMs, int threads) {
        double perSec = seconds > 0 ? commits / seconds : 0;
        // With no commit over the stretch (at-least-once commits every 30 s), the window holds only older ones.
        double commitMs = commits > 0 ? windowedMs : 0;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "CommitsPerSec", BenchRunner.round(perSec, 2));
        out.put(prefix + "CommitMs", BenchRunner.round(commitMs, 2));
        double ratio = Math.min(1, perSec * commitMs / 1000 / Math.max(1, threads));
        out.put(prefix + "CommitRatio", BenchRunner.round(ratio, 3));
        return out;
    }

    /** The app's stream-thread metric {@code name}, summed over its threads. */
    private static double thread(KafkaStreams app, String name) {
        return AppMetrics.sum(app, "stream-thread-metrics", name);
    }
}
