package dev.harvest.lease;

import dev.harvest.config.Budget;
import dev.harvest.config.Durations;
import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import dev.harvest.task.Cost;

/** Refuses, before it waits, a request whose cost no key of its pool can ever take. */
public final class BudgetCheck {

    private BudgetCheck() {
    }

    /**
     * @throws IllegalArgumentException when every key of {@code pool} has a budget and {@code cost} is above each
     *                                  of them: such a request would wait forever
     */
    public static void requireAffordable(KeyPoolConfig pool, double cost) {
        long micros = Cost.toMicros(cost);
        Budget largest = null;
        for (KeyConfig key : pool.keys()) {
            Budget budget = pool.budgetOf(key);
            if (budget == null || budget.micros() >= micros) {
                return;
            }
            largest = largest == null || budget.micros() > largest.micros() ? budget : largest;
        }
        if (largest == null) {
            return;
        }
        throw new IllegalArgumentException("cost " + cost + " is above the budget of every key of pool '" + pool.name()
                + "' (largest: " + largest.units() + " per " + Durations.format(largest.per()) + ")");
    }
}
