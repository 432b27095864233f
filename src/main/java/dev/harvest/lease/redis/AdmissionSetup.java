package dev.harvest.lease.redis;

import dev.harvest.config.KeyPoolConfig;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import dev.harvest.config.PipelineConfig;
import dev.harvest.task.Lane;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The part of a pipeline file admission needs: its name (the Redis hash tag), lane names from highest priority
 * down, key pools and semaphores.
 */
public record AdmissionSetup(String pipeline, List<String> lanes, List<KeyPoolConfig> keyPools, List<PermitConfig> permits) {

    public AdmissionSetup {
        KeySpace.requireName("pipeline", pipeline);
        lanes = List.copyOf(lanes);
        keyPools = List.copyOf(keyPools);
        permits = List.copyOf(permits);
    }

    public static AdmissionSetup of(PipelineConfig config) {
        return new AdmissionSetup(config.pipeline(), config.lanes().stream().map(LaneConfig::name).toList(),
                config.keyPools(), config.permits());
    }

    // Looked up for every acquisition: plain loops over a handful of entries, no stream pipeline.
    public Optional<KeyPoolConfig> pool(String name) {
        for (KeyPoolConfig p : keyPools) {
            if (p.name().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public Optional<PermitConfig> permit(String name) {
        for (PermitConfig p : permits) {
            if (p.name().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Permits of {@code semaphore} reserved for lanes above {@code lane}: the lane may take a permit only while
     * more than this many are free. A lane's rank is its position in the pipeline's lane list, or its priority
     * number when the lane is not listed.
     */
    public int reservedAbove(String semaphore, Lane lane) {
        PermitConfig permit = permit(semaphore).orElseThrow(() -> new IllegalArgumentException("unknown permits '" + semaphore + "'"));
        int rank = rank(lane);
        int sum = 0;
        for (Map.Entry<String, Integer> e : permit.reserved().entrySet()) {
            int other = lanes.indexOf(e.getKey());
            if (other >= 0 && other < rank) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    private int rank(Lane lane) {
        int index = lanes.indexOf(lane.name());
        return index >= 0 ? index : lane.priority();
    }

    /** TTL of a lease: the semaphore's {@code leaseTtl}, or {@code fallback} for a key-only lease. */
    public Duration leaseTtl(String semaphoreOrNull, Duration fallback) {
        return semaphoreOrNull == null ? fallback : permit(semaphoreOrNull).map(PermitConfig::leaseTtl).orElse(fallback);
    }

    /** The shortest TTL any lease can have: renewals run every third of it. */
    public Duration shortestTtl(Duration fallback) {
        Duration shortest = keyPools.isEmpty() && !permits.isEmpty() ? null : fallback;
        for (PermitConfig p : permits) {
            shortest = shortest == null || p.leaseTtl().compareTo(shortest) < 0 ? p.leaseTtl() : shortest;
        }
        return shortest == null ? fallback : shortest;
    }
}
