package dev.harvest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Meters with tags known only when an event happens (lane, type, outcome…), looked up once per tag set and then
 * reused: recording on the hot path is a map lookup, not a builder and a registry lookup per event.
 */
public final class Meters {

    private final MeterRegistry registry;
    private final Map<List<String>, Meter> cache = new ConcurrentHashMap<>();

    public Meters(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The counter {@code name} with {@code tags} (key, value, key, value…). */
    public Counter counter(String name, String description, String... tags) {
        return (Counter) cache.computeIfAbsent(key(name, tags),
                k -> Counter.builder(name).description(description).tags(tags).register(registry));
    }

    /** The timer {@code name} with {@code tags}, publishing a percentile histogram. */
    public Timer timer(String name, String description, String... tags) {
        return (Timer) cache.computeIfAbsent(key(name, tags), k -> Timer.builder(name).description(description)
                .tags(tags).publishPercentileHistogram().register(registry));
    }

    private static List<String> key(String name, String... tags) {
        List<String> key = new ArrayList<>(tags.length + 1);
        key.add(name);
        key.addAll(Arrays.asList(tags));
        return key;
    }
}
