package dev.harvest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

class PrometheusRegistriesTest {

    @Test
    void shouldExportTheRocksDbMetricsOfKeyValueAndWindowStoresUnderOneTag() {
        PrometheusMeterRegistry registry = PrometheusRegistries.create();
        // As Kafka Streams' metrics binder registers them: the in-flight store first, then the dedupe window store.
        Gauge.builder("kafka.stream.state.total.sst.files.size", () -> 11.0)
                .tags("task.id", "0_1", PrometheusRegistries.STORE_TAG, "inflight").register(registry);
        Gauge.builder("kafka.stream.state.total.sst.files.size", () -> 22.0)
                .tags("task.id", "0_1", PrometheusRegistries.WINDOW_STORE_TAG, "dedupe-keys").register(registry);

        String metric = "kafka_stream_state_total_sst_files_size";
        assertThat(registry.scrape())
                .contains(metric + "{rocksdb_state_id=\"inflight\",task_id=\"0_1\"} 11.0")
                .contains(metric + "{rocksdb_state_id=\"dedupe-keys\",task_id=\"0_1\"} 22.0")
                .doesNotContain("rocksdb_window_state_id");
    }

    @Test
    void shouldLeaveOtherMetricsTagsAlone() {
        PrometheusMeterRegistry registry = PrometheusRegistries.create();
        Gauge.builder("harvest.inflight", () -> 3.0).tags("lane", "high", PrometheusRegistries.WINDOW_STORE_TAG, "x")
                .register(registry);
        assertThat(registry.scrape()).contains("harvest_inflight{lane=\"high\",rocksdb_window_state_id=\"x\"} 3.0");
    }
}
