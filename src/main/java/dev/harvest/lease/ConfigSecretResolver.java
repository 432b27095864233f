package dev.harvest.lease;

import dev.harvest.config.KeyConfig;
import dev.harvest.config.KeyPoolConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Secrets named in the pipeline file: inline {@code secret}, {@code secretEnv} or {@code secretFile}. Files are
 * read on every lookup after a short cache so that a rotated Kubernetes Secret is picked up without a restart.
 * Keys added at runtime (not in the file) may get their secret from {@code fallback}.
 */
public final class ConfigSecretResolver implements SecretResolver {

    private final Map<String, KeyConfig> keys = new HashMap<>();
    private final Function<String, String> env;
    private final SecretResolver fallback;
    private final Map<String, KeySecret> fileCache = new ConcurrentHashMap<>();

    public ConfigSecretResolver(List<KeyPoolConfig> pools, Function<String, String> env, SecretResolver fallback) {
        this.env = env;
        this.fallback = fallback;
        for (KeyPoolConfig pool : pools) {
            for (KeyConfig key : pool.keys()) {
                keys.put(pool.name() + "/" + key.id(), key);
            }
        }
    }

    public ConfigSecretResolver(List<KeyPoolConfig> pools) {
        this(pools, System::getenv, (pool, key) -> Optional.empty());
    }

    @Override
    public Optional<KeySecret> secretOf(String keyPool, String keyId) {
        KeyConfig key = keys.get(keyPool + "/" + keyId);
        if (key == null || !key.hasSecretSource()) {
            return fallback.secretOf(keyPool, keyId);
        }
        if (key.secret() != null) {
            return Optional.of(new KeySecret(key.secret()));
        }
        if (key.secretEnv() != null) {
            return Optional.ofNullable(env.apply(key.secretEnv())).filter(s -> !s.isEmpty()).map(KeySecret::new);
        }
        return Optional.of(fileCache.computeIfAbsent(key.secretFile(), ConfigSecretResolver::readFile));
    }

    /**
     * Checks at start-up that every key's secret can be read, so a missing environment variable or file stops
     * the instance with the field's name instead of failing every task later.
     *
     * @throws dev.harvest.config.ConfigException naming the first key whose secret is missing
     */
    public static void checkAvailable(List<KeyPoolConfig> pools, Function<String, String> env) {
        for (int p = 0; p < pools.size(); p++) {
            List<KeyConfig> keys = pools.get(p).keys();
            for (int k = 0; k < keys.size(); k++) {
                KeyConfig key = keys.get(k);
                String at = "keyPools[" + p + "].keys[" + k + "]";
                if (key.secretEnv() != null && (env.apply(key.secretEnv()) == null
                        || env.apply(key.secretEnv()).isEmpty())) {
                    throw new dev.harvest.config.ConfigException(at + ".secretEnv",
                            "environment variable " + key.secretEnv() + " is not set");
                }
                if (key.secretFile() != null && !Files.isReadable(Path.of(key.secretFile()))) {
                    throw new dev.harvest.config.ConfigException(at + ".secretFile",
                            "cannot read " + key.secretFile());
                }
            }
        }
    }

    /** Forgets cached file contents, e.g. after a Secret was rotated. */
    public void refresh() {
        fileCache.clear();
    }

    private static KeySecret readFile(String file) {
        try {
            return new KeySecret(Files.readString(Path.of(file), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret file for a key: " + e.getClass().getSimpleName(), e);
        }
    }
}
