package dev.harvest.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;

/** A Kafka Streams app's own metrics of one name, over its threads and clients. */
final class AppMetrics {

    private AppMetrics() {
    }

    /** The app's metrics {@code name} of {@code group}, one per thread or client: kept to be read again. */
    static List<Metric> of(KafkaStreams app, String group, String name) {
        List<Metric> out = new ArrayList<>();
        app.metrics().forEach((n, m) -> {
            if (n.group().equals(group) && n.name().equals(name)) {
                out.add(m);
            }
        });
        return out;
    }

    /** Their values summed, leaving out any not a finite number (a windowed metric with no sample yet). */
    static double sum(List<Metric> metrics) {
        double total = 0;
        for (Metric m : metrics) {
            if (m.metricValue() instanceof Double v && Double.isFinite(v)) {
                total += v;
            }
        }
        return total;
    }

    /** The app's metric {@code name} of {@code group}, summed as {@link #sum} does. */
    static double sum(KafkaStreams app, String group, String name) {
        return sum(of(app, group, name));
    }
}
