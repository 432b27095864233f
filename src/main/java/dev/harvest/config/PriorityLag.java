package dev.harvest.config;

/**
 * Thresholds of {@code priority: strict}: a lane's app is paused while any higher lane's consumer lag is above
 * {@code pauseAbove}, and resumed once every higher lane is at or below {@code resumeBelow} (hysteresis).
 */
public record PriorityLag(Long pauseAbove, Long resumeBelow) {

    public PriorityLag {
        pauseAbove = pauseAbove == null ? 1000L : pauseAbove;
        resumeBelow = resumeBelow == null ? 100L : resumeBelow;
        if (pauseAbove < 1) {
            throw new ConfigException("pauseAbove", "must be >= 1, was " + pauseAbove);
        }
        if (resumeBelow < 0 || resumeBelow >= pauseAbove) {
            throw new ConfigException("resumeBelow", "must be >= 0 and below pauseAbove (" + pauseAbove + "), was "
                    + resumeBelow);
        }
    }

    public static PriorityLag defaults() {
        return new PriorityLag(null, null);
    }
}
