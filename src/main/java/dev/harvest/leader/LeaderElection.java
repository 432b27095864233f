package dev.harvest.leader;

/**
 * Runs singleton jobs under leader election: each job runs only on the instance that holds its leadership,
 * moves to another instance when the leader dies, and stops before its leadership could have expired.
 */
public interface LeaderElection extends AutoCloseable {

    /** Campaigns for {@code job}'s leadership from now on and runs the job while leading. */
    void register(SingletonJob job);

    /** True while this instance leads {@code jobName}. */
    boolean isLeader(String jobName);

    /** Gives up every leadership (so successors take over at once) and stops the jobs. */
    @Override
    void close();
}
