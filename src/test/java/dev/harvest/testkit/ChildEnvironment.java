package dev.harvest.testkit;

/**
 * The environment of a {@code harvest} process a test starts: the test JVM's own {@code HARVEST_*} settings
 * (e.g. {@code HARVEST_LOG_LEVEL=WARN} in a developer's shell) are not passed on, so the child logs, connects and
 * stops as the test sets it and the lines a test looks for are printed whatever the shell had.
 */
public final class ChildEnvironment {

    private static final String PREFIX = "HARVEST_";

    private ChildEnvironment() {
    }

    /** Removes every inherited {@code HARVEST_*} variable from {@code pb}'s environment; returns {@code pb}. */
    public static ProcessBuilder withoutInheritedSettings(ProcessBuilder pb) {
        pb.environment().keySet().removeIf(name -> name.startsWith(PREFIX));
        return pb;
    }
}
