package dev.harvest.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.harvest.app.KeyAdmin;
import dev.harvest.config.Durations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code harvest keys list|add|remove|cooldown}: manage a key pool in Redis without a restart. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage the API keys of a pool in Redis, live.",
        subcommands = {KeysCommand.ListKeys.class, KeysCommand.Add.class, KeysCommand.Remove.class,
            KeysCommand.Cooldown.class})
final class KeysCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("use: harvest keys list|add|remove|cooldown --topology FILE [--pool P]");
    }

    /** Options every keys subcommand takes. */
    static final class Target {
        @Mixin
        PipelineOption pipeline;

        @Option(names = "--pool", description = "Key pool (default: the pipeline's only pool)")
        String pool;

        KeyAdmin open() {
            return new KeyAdmin(pipeline.load());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Per key: in use / cap, cooldown remaining, total claims, 429s.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--json", description = "One JSON object per key")
        boolean json;

        @Override
        public Integer call() throws IOException {
            try (KeyAdmin admin = target.open()) {
                var keys = admin.list(target.pool);
                if (json) {
                    ObjectMapper mapper = new ObjectMapper();
                    for (var k : keys) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("pool", k.pool());
                        row.put("key", k.keyId());
                        row.put("inUse", k.inUse());
                        row.put("cap", k.cap());
                        row.put("cooldownMs", k.cooldownRemaining().toMillis());
                        row.put("claims", k.totalClaims());
                        row.put("rateLimited", k.rateLimited());
                        row.put("requestsLeft", k.requestsLeft());
                        row.put("budgetLeft", k.budgetLeft());
                        row.put("charged", k.charged());
                        System.out.println(mapper.writeValueAsString(row));
                    }
                    return 0;
                }
                System.out.printf("%-20s %8s %10s %10s %8s %10s %12s %12s%n", "key", "in use", "cooldown", "claims",
                        "429s", "rate left", "budget left", "charged");
                for (var k : keys) {
                    System.out.printf("%-20s %4d/%-3d %10s %10d %8d %10s %12s %12s%n", k.keyId(), k.inUse(), k.cap(),
                            k.cooldownRemaining().isZero() ? "-" : Durations.format(k.cooldownRemaining()),
                            k.totalClaims(), k.rateLimited(), k.requestsLeft() < 0 ? "-" : k.requestsLeft(),
                            k.budgetLeft() < 0 ? "-" : units(k.budgetLeft()), units(k.charged()));
                }
                return 0;
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a key (or replace its secret). The secret is read from --secret-env or stdin, never"
                    + " from the command line.")
    static final class Add implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true, description = "Key id")
        String key;

        @Option(names = "--secret-env", paramLabel = "VAR", description = "Environment variable holding the secret")
        String secretEnv;

        @Option(names = "--secret-stdin", description = "Read the secret from the first line of stdin")
        boolean secretStdin;

        @Override
        public Integer call() throws IOException {
            String secret = null;
            if (secretEnv != null) {
                secret = System.getenv(secretEnv);
                if (secret == null || secret.isEmpty()) {
                    throw new IllegalArgumentException("environment variable " + secretEnv + " is not set");
                }
            } else if (secretStdin) {
                secret = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (secret == null || secret.isBlank()) {
                    throw new IllegalArgumentException("no secret on stdin");
                }
                secret = secret.strip();
            }
            try (KeyAdmin admin = target.open()) {
                admin.add(target.pool, key, secret);
                System.out.println("added key " + key + " to pool " + admin.pool(target.pool)
                        + (secret == null ? " (no secret stored)" : " (secret stored in Redis)"));
                return 0;
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Stop handing out a key; leases already held run to their end.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true, description = "Key id")
        String key;

        @Override
        public Integer call() {
            try (KeyAdmin admin = target.open()) {
                if (!admin.remove(target.pool, key)) {
                    throw new IllegalArgumentException("pool " + admin.pool(target.pool) + " has no key " + key);
                }
                System.out.println("removed key " + key);
                return 0;
            }
        }
    }

    @Command(name = "cooldown", mixinStandardHelpOptions = true,
            description = "Rest a key for a while, as a 429 would, for every instance.")
    static final class Cooldown implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--key", required = true, description = "Key id")
        String key;

        @Option(names = "--for", required = true, paramLabel = "DURATION", description = "e.g. 30s, 5m")
        String duration;

        @Override
        public Integer call() {
            try (KeyAdmin admin = target.open()) {
                admin.cooldown(target.pool, key, Durations.parse(duration));
                System.out.println("key " + key + " cools down for " + duration);
                return 0;
            }
        }
    }

    /** A cost for the table: whole units without decimals, else up to six decimals. */
    static String units(double value) {
        return value == Math.rint(value) ? Long.toString((long) value)
                : java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
