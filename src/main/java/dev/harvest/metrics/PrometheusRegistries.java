package dev.harvest.metrics;

import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The app's Prometheus registry. */
public final class PrometheusRegistries {

    /** Kafka Streams' RocksDB metrics: a key-value store's carry the first tag, a window store's the second. */
    static final String STORE_TAG = "rocksdb.state.id";
    static final String WINDOW_STORE_TAG = "rocksdb.window.state.id";

    private PrometheusRegistries() {
    }

    /**
     * A registry where the RocksDB metrics of every state store carry one tag for the store's name. Prometheus
     * needs one set of tag keys per metric name; without this, the first window store's metrics (the lanes' dedupe
     * store) are refused with a warning and never exported, as they would clash with the key-value stores' ones.
     */
    public static PrometheusMeterRegistry create() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().meterFilter(MeterFilter.renameTag("kafka.stream.state", WINDOW_STORE_TAG, STORE_TAG));
        return registry;
    }
}
