package dev.harvest.client;

import java.util.OptionalLong;

/** The current lag of a lane, as the lane-lag monitor last published it. */
@FunctionalInterface
public interface LaneLagSource extends AutoCloseable {

    /** The lane's lag, or empty when unknown (never published, stale, or unreadable now). */
    OptionalLong lag(String lane);

    @Override
    default void close() {
    }
}
