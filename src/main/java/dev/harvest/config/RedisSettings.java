package dev.harvest.config;

import java.time.Duration;

/**
 * Where Redis is. The URI may carry a password ({@code redis://:pw@host:6379}) or use TLS ({@code rediss://}).
 *
 * @param uri            Redis URI
 * @param commandTimeout bound on every Redis command
 */
public record RedisSettings(String uri, Duration commandTimeout) {

    public RedisSettings {
        Check.notBlank("uri", uri);
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://") && !uri.startsWith("redis-socket://")) {
            throw new ConfigException("uri", "must start with redis:// or rediss://");
        }
        commandTimeout = commandTimeout == null ? Duration.ofSeconds(2) : Check.positive("commandTimeout", commandTimeout);
    }

    @Override
    public String toString() {
        return "RedisSettings[uri=" + uri.replaceAll("//[^@/]*@", "//***@") + ", commandTimeout=" + commandTimeout + "]";
    }
}
