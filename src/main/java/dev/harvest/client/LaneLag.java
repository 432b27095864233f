package dev.harvest.client;

import java.util.OptionalLong;

/**
 * Where the lane-lag monitor publishes each lane's consumer lag: Redis hash {@code hs:{pipeline}:lag}, field = lane
 * name, value = {@code <lag>|<epochMillis>}. A value older than {@link #STALE_MS} counts as unknown.
 */
public final class LaneLag {

    /** Lags older than this are unknown: whoever reads them fails open. */
    public static final long STALE_MS = 30_000;

    private LaneLag() {
    }

    public static String key(String pipeline) {
        return "hs:{" + pipeline + "}:lag";
    }

    /** The lag in {@code value}, or empty when it is missing, unreadable or stale at {@code nowMillis}. */
    public static OptionalLong parse(String value, long nowMillis) {
        if (value == null) {
            return OptionalLong.empty();
        }
        int bar = value.indexOf('|');
        try {
            long at = Long.parseLong(value.substring(bar + 1));
            return nowMillis - at > STALE_MS ? OptionalLong.empty()
                    : OptionalLong.of(Long.parseLong(value.substring(0, bar)));
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
