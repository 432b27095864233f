package dev.harvest.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Meters with tags known only when an event happens (lane, type, outcome…), looked up once per tag set and then
 * reused: recording on the hot path is a map lookup, not a builder and a registry lookup per event.
 */
public final class Meters {

    private final MeterRegistry registry;
    private final Map<Key, Meter> cache = new ConcurrentHashMap<>();

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

    private static Key key(String name, String... tags) {
        return new Key(name, tags);
    }

    /** A meter's name and tags as the lookup key: the caller's array, not a copy (callers pass fresh varargs). */
    private record Key(String name, String[] tags) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && name.equals(k.name) && Arrays.equals(tags, k.tags);
        }

        @Override
        public int hashCode() {
            return 31 * name.hashCode() + Arrays.hashCode(tags);
        }
    }
}
