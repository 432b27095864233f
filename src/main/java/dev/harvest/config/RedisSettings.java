package dev.harvest.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where Redis is and how to log in. The URI may carry the password ({@code redis://:pw@host:6379}, or
 * {@code redis://user:pw@host:6379} for an ACL user) and selects TLS with {@code rediss://}; {@code username} and
 * {@code password} give the same without URL-encoding (e.g. {@code password: ${REDIS_PASSWORD}} from a Kubernetes
 * Secret). Blank values count as not set, so {@code ${VAR:-}} may stand for an optional secret.
 *
 * @param uri            Redis URI
 * @param commandTimeout bound on every Redis command
 * @param username       ACL user ({@code AUTH username password}); null for the default user
 * @param password       password of the user; null when given in the URI or not needed
 * @param tls            certificates for {@code rediss://}; null for the JVM's trust store and no client certificate
 */
public record RedisSettings(String uri, Duration commandTimeout, String username, String password, RedisTls tls) {

    private static final Pattern USER_INFO = Pattern.compile("^[a-z-]+://[^@/]*@");

    public RedisSettings {
        Check.notBlank("uri", uri);
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://") && !uri.startsWith("redis-socket://")) {
            throw new ConfigException("uri", "must start with redis:// or rediss://");
        }
        commandTimeout = commandTimeout == null ? Duration.ofSeconds(2) : Check.positive("commandTimeout", commandTimeout);
        username = username == null || username.isBlank() ? null : username;
        password = password == null || password.isEmpty() ? null : password;
        if (username != null && password == null) {
            throw new ConfigException("username", "needs a password");
        }
        if (password != null && USER_INFO.matcher(uri).find()) {
            throw new ConfigException("password", "is also given in uri; give it in one place");
        }
        if (tls != null && !uri.startsWith("rediss://")) {
            throw new ConfigException("tls", "needs a rediss:// uri");
        }
    }

    /** Settings of {@code uri} with {@code commandTimeout} and nothing else. */
    public RedisSettings(String uri, Duration commandTimeout) {
        this(uri, commandTimeout, null, null, null);
    }

    /** True for {@code rediss://}. */
    public boolean usesTls() {
        return uri.startsWith("rediss://");
    }

    /** The URI with any password replaced by {@code ***}, for logs and messages. */
    public String safeUri() {
        java.util.regex.Matcher m = USER_INFO.matcher(uri);
        if (!m.find()) {
            return uri;
        }
        String info = m.group();
        int start = info.indexOf("//") + 2;
        int colon = info.indexOf(':', start);
        String hidden = colon < 0 ? info.substring(0, start) + "***@" : info.substring(0, colon) + ":***@";
        return hidden + uri.substring(m.end());
    }

    @Override
    public String toString() {
        return "RedisSettings[uri=" + safeUri() + ", commandTimeout=" + commandTimeout + ", username=" + username
                + ", password=" + (password == null ? "none" : "***") + ", tls=" + tls + "]";
    }
}
