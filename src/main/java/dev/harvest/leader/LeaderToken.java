package dev.harvest.leader;

/** Proof of leadership given to a job's run: the fencing token and a live check of the local deadline. */
public interface LeaderToken {

    /** Strictly increasing across successive leaders of one job. */
    long token();

    /** True while this instance may still act as leader (its lease has not run past its local deadline). */
    boolean isValid();
}
