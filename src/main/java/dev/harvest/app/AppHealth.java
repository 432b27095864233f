package dev.harvest.app;

import dev.harvest.metrics.Health;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;

/** Health of the apps of one instance, from their {@link KafkaStreams.State}. */
public final class AppHealth implements Health {

    private final Map<String, KafkaStreams> apps;

    AppHealth(Map<String, KafkaStreams> apps) {
        this.apps = apps;
    }

    @Override
    public boolean live() {
        return apps.values().stream().noneMatch(s -> s.state() == KafkaStreams.State.ERROR
                || s.state() == KafkaStreams.State.PENDING_ERROR);
    }

    @Override
    public boolean ready() {
        return !apps.isEmpty() && apps.values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
    }

    @Override
    public String describe() {
        return apps.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().state())
                .collect(Collectors.joining("\n", "", "\n"));
    }
}
