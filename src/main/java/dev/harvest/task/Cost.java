package dev.harvest.task;

/**
 * Costs of tasks and sizes of budgets, in units a provider charges (e.g. tokens). They are positive numbers;
 * admission keeps them as whole millionths of a unit, so that reserving, refunding and charging add up exactly.
 */
public final class Cost {

    /** The largest cost or budget accepted: far above any provider's per-request charge. */
    public static final double MAX = 1e9;
    /** Millionths of a unit per unit. */
    public static final long MICROS_PER_UNIT = 1_000_000L;

    private Cost() {
    }

    /** True for a finite number above zero and at most {@link #MAX}. */
    public static boolean isValid(double units) {
        return Double.isFinite(units) && units > 0 && units <= MAX;
    }

    /** {@code units} in whole millionths, rounded up so that a tiny positive cost still costs something. */
    public static long toMicros(double units) {
        if (!isValid(units)) {
            throw new IllegalArgumentException("cost must be a number > 0 and <= 1e9, was " + units);
        }
        return Math.max(1, (long) Math.ceil(units * MICROS_PER_UNIT - 1e-6));
    }

    /** Millionths back to units, for display. */
    public static double fromMicros(long micros) {
        return micros / (double) MICROS_PER_UNIT;
    }
}
