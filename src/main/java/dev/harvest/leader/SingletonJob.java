package dev.harvest.leader;

import java.time.Duration;

/** Work that must run on exactly one instance of the cluster, periodically, while that instance leads. */
public interface SingletonJob {

    /** Unique job name; also the leadership's name. */
    String name();

    /** Time between two runs on the leader. */
    Duration interval();

    /**
     * One run. Check {@link LeaderToken#isValid()} before each action that must not happen twice (and pass
     * {@link LeaderToken#token()} to scripts that write shared state, so a deposed leader's write is refused).
     */
    void run(LeaderToken token) throws Exception;

    /** Leadership of this job ended on this instance (lost or resigned): drop whatever only a leader may show. */
    default void stopped() {
    }
}
