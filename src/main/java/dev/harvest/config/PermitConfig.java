package dev.harvest.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cluster-wide semaphore.
 *
 * @param permits  total permits
 * @param leaseTtl how long a lease lives in Redis without renewal
 * @param reserved per lane: permits that lanes below it may not take
 */
public record PermitConfig(String name, Integer permits, Duration leaseTtl, Map<String, Integer> reserved) {

    public PermitConfig {
        Check.identifier("name", name);
        Check.positive("permits", permits == null ? 0 : permits);
        leaseTtl = leaseTtl == null ? Duration.ofSeconds(30) : Check.positive("leaseTtl", leaseTtl);
        if (leaseTtl.toMillis() < 300) {
            throw new ConfigException("leaseTtl", "must be at least 300ms, was " + Durations.format(leaseTtl));
        }
        reserved = reserved == null ? Map.of() : new LinkedHashMap<>(reserved);
        int total = 0;
        for (Map.Entry<String, Integer> e : reserved.entrySet()) {
            int n = e.getValue() == null ? -1 : e.getValue();
            Check.atLeast("reserved." + e.getKey(), n, 0);
            total += n;
        }
        if (total >= permits) {
            throw new ConfigException("reserved", "reserves " + total + " of " + permits
                    + " permits; leave at least one for every lane");
        }
        reserved = Map.copyOf(reserved);
    }
}
