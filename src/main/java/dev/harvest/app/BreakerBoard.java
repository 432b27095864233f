package dev.harvest.app;

import dev.harvest.config.PipelineConfig;
import dev.harvest.execution.HandlerBreaker;
import dev.harvest.redis.RedisClients;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The circuit breakers of every instance, in one Redis hash: {@code hs:{pipeline}:breakers}, field
 * {@code <handler>|<instance>}, value {@code state|failureRate|slowCallRate|atMillis} (rates in percent, -1 while
 * the breaker has seen too few calls). Each instance writes its own fields every second and removes them when it
 * stops; the hash expires a minute after the last write. {@code harvest breakers} reads it.
 */
public final class BreakerBoard implements AutoCloseable {

    /** Rows older than this come from an instance that stopped writing (crashed or cut off). */
    public static final long STALE_MS = 30_000;

    /** One breaker of one instance, as last published. */
    public record Row(String handler, String instance, String state, double failureRate, double slowCallRate,
                      long atMillis) {

        /** True when the instance has not written this row for {@link #STALE_MS}. */
        public boolean isStaleAt(long nowMillis) {
            return nowMillis - atMillis > STALE_MS;
        }
    }

    private final PipelineConfig config;
    private final RedisClients redis;

    /** Connects to the pipeline's Redis for reading. */
    public BreakerBoard(PipelineConfig config) {
        this.config = config;
        this.redis = RedisClients.connect(config.redis());
    }

    public static String key(String pipeline) {
        return "hs:{" + pipeline + "}:breakers";
    }

    /** Every published row, by handler then instance. */
    public List<Row> rows() {
        try {
            return parse(redis.async().hgetall(key(config.pipeline())).get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read breaker states from Redis: " + e.getMessage(), e);
        }
    }

    static List<Row> parse(Map<String, String> hash) {
        List<Row> rows = new ArrayList<>();
        hash.forEach((field, value) -> {
            int bar = field.indexOf('|');
            String[] v = value.split("\\|");
            if (bar > 0 && v.length == 4) {
                try {
                    rows.add(new Row(field.substring(0, bar), field.substring(bar + 1), v[0],
                            Double.parseDouble(v[1]), Double.parseDouble(v[2]), Long.parseLong(v[3])));
                } catch (NumberFormatException ignored) {
                    // A value this version cannot read: left out rather than shown wrong.
                }
            }
        });
        rows.sort(Comparator.comparing(Row::handler).thenComparing(Row::instance));
        return rows;
    }

    /** Writes {@code breakers} as the rows of {@code instance}. */
    static void publish(RedisAsyncCommands<String, String> redis, String pipeline, String instance,
                        List<HandlerBreaker> breakers) throws Exception {
        if (breakers.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        Map<String, String> fields = new HashMap<>();
        for (HandlerBreaker b : breakers) {
            fields.put(b.handler() + "|" + instance, String.format(Locale.ROOT, "%s|%.1f|%.1f|%d",
                    b.state().label(), b.failureRate(), b.slowCallRate(), now));
        }
        redis.hset(key(pipeline), fields).get(5, TimeUnit.SECONDS);
        redis.pexpire(key(pipeline), 60_000).get(5, TimeUnit.SECONDS);
    }

    /** Removes the rows of {@code instance} (on a clean stop). */
    static void withdraw(RedisAsyncCommands<String, String> redis, String pipeline, String instance,
                         List<HandlerBreaker> breakers) throws Exception {
        if (!breakers.isEmpty()) {
            redis.hdel(key(pipeline), breakers.stream().map(b -> b.handler() + "|" + instance)
                    .toArray(String[]::new)).get(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
