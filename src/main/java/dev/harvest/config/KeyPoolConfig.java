package dev.harvest.config;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A pool of API keys for one provider.
 *
 * @param maxConcurrentPerKey how many tasks may use one key at once
 * @param cooldownOn429       minimum time a key rests after the provider answered 429
 * @param secretsInRedis      when true, keys without a secret source read their secret from Redis
 * @param rate                requests each key may take per window, or null for no limit (a key may override it)
 * @param budget              cost each key may take per window, or null for no limit (a key may override it)
 */
public record KeyPoolConfig(String name, Integer maxConcurrentPerKey, Duration cooldownOn429, List<KeyConfig> keys,
                            Boolean secretsInRedis, RateLimit rate, Budget budget) {

    /** A pool without rate or cost limits. */
    public KeyPoolConfig(String name, Integer maxConcurrentPerKey, Duration cooldownOn429, List<KeyConfig> keys,
                         Boolean secretsInRedis) {
        this(name, maxConcurrentPerKey, cooldownOn429, keys, secretsInRedis, null, null);
    }

    public KeyPoolConfig {
        Check.identifier("name", name);
        maxConcurrentPerKey = maxConcurrentPerKey == null ? 1 : Check.positive("maxConcurrentPerKey", maxConcurrentPerKey);
        cooldownOn429 = cooldownOn429 == null ? Duration.ofSeconds(30) : Check.notNegative("cooldownOn429", cooldownOn429);
        keys = List.copyOf(Check.notEmpty("keys", Check.noEmptyEntries("keys", keys)));
        secretsInRedis = secretsInRedis != null && secretsInRedis;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            KeyConfig key = keys.get(i);
            if (key == null) {
                throw new ConfigException("keys[" + i + "]", "must not be empty");
            }
            if (!ids.add(key.id())) {
                throw new ConfigException("keys[" + i + "].id", "duplicate key id '" + key.id() + "'");
            }
            if (!key.hasSecretSource() && !secretsInRedis) {
                throw new ConfigException("keys[" + i + "].secret",
                        "one of secret, secretEnv, secretFile is required (or set secretsInRedis: true on the pool)");
            }
        }
    }

    /** The rate limit of {@code key}: its own, else the pool's; null when neither has one. */
    public RateLimit rateOf(KeyConfig key) {
        return key.rate() != null ? key.rate() : rate;
    }

    /** The budget of {@code key}: its own, else the pool's; null when neither has one. */
    public Budget budgetOf(KeyConfig key) {
        return key.budget() != null ? key.budget() : budget;
    }

    /** True when any key of the pool has a rate limit or a budget. */
    public boolean hasRateOrBudget() {
        return keys.stream().anyMatch(k -> rateOf(k) != null || budgetOf(k) != null);
    }

    /** Total concurrent uses the pool allows. */
    public int capacity() {
        return keys.size() * maxConcurrentPerKey;
    }
}
