package dev.harvest.client;

/** A lane's lag is above its {@code maxBacklog}: the task was not sent. Try again later, or send it elsewhere. */
public final class LaneBacklogFullException extends RuntimeException {

    private final String lane;
    private final long lag;
    private final long maxBacklog;

    public LaneBacklogFullException(String lane, long lag, long maxBacklog) {
        super("lane " + lane + " has a backlog of " + lag + " records, above its maxBacklog of " + maxBacklog);
        this.lane = lane;
        this.lag = lag;
        this.maxBacklog = maxBacklog;
    }

    public String lane() {
        return lane;
    }

    /** The lag last published for the lane when the task was refused. */
    public long lag() {
        return lag;
    }

    public long maxBacklog() {
        return maxBacklog;
    }
}
