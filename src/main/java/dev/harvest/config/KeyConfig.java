package dev.harvest.config;

/**
 * One API key of a pool. The secret comes from exactly one of: {@code secret} (inline, for development only),
 * {@code secretEnv} (an environment variable) or {@code secretFile} (a mounted file, e.g. a Kubernetes Secret).
 * With none of them the secret is expected in Redis (pools with {@code secretsInRedis: true}). {@code rate} and
 * {@code budget}, when given, replace the pool's for this key.
 */
public record KeyConfig(String id, String secret, String secretEnv, String secretFile, RateLimit rate, Budget budget) {

    /** A key with the pool's rate limit and budget. */
    public KeyConfig(String id, String secret, String secretEnv, String secretFile) {
        this(id, secret, secretEnv, secretFile, null, null);
    }

    public KeyConfig {
        Check.identifier("id", id);
        int sources = (secret != null ? 1 : 0) + (secretEnv != null ? 1 : 0) + (secretFile != null ? 1 : 0);
        if (sources > 1) {
            throw new ConfigException("secret", "give only one of secret, secretEnv, secretFile");
        }
        if (secretEnv != null) {
            Check.notBlank("secretEnv", secretEnv);
        }
        if (secretFile != null) {
            Check.notBlank("secretFile", secretFile);
        }
    }

    public boolean hasSecretSource() {
        return secret != null || secretEnv != null || secretFile != null;
    }

    @Override
    public String toString() {
        return "KeyConfig[id=" + id + ", secret=" + (secret == null ? "none" : "***") + ", secretEnv=" + secretEnv
                + ", secretFile=" + secretFile + ", rate=" + rate + ", budget=" + budget + "]";
    }
}
