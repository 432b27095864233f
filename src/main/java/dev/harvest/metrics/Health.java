package dev.harvest.metrics;

/** What the health endpoints ask. */
public interface Health {

    /** False when the process should be restarted (an app failed or lost all its stream threads). */
    boolean live();

    /** True when every app is running and the instance can take work. */
    boolean ready();

    /** One line per app with its state, for the response body. */
    String describe();
}
