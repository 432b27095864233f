package dev.harvest.redis;

import dev.harvest.config.ConfigException;
import dev.harvest.config.RedisSettings;
import dev.harvest.config.RedisTls;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Login and TLS of the Redis connection: {@code AUTH [username] password} from the URI or the settings, and for
 * {@code rediss://} the CA and client certificate (PEM files) and how strictly the server's certificate is checked.
 */
final class RedisSecurity {

    private RedisSecurity() {
    }

    /** The URI of the settings with their credentials, timeout and peer verification applied. */
    static RedisURI uri(RedisSettings settings) {
        RedisURI uri = RedisURI.create(settings.uri());
        uri.setTimeout(settings.commandTimeout());
        if (settings.password() != null) {
            if (settings.username() != null) {
                uri.setAuthentication(settings.username(), settings.password().toCharArray());
            } else {
                uri.setAuthentication(settings.password().toCharArray());
            }
        }
        if (uri.isSsl() && settings.tls() != null) {
            uri.setVerifyPeer(switch (settings.tls().verifyPeer()) {
                case "none" -> SslVerifyMode.NONE;
                case "ca" -> SslVerifyMode.CA;
                default -> SslVerifyMode.FULL;
            });
        }
        return uri;
    }

    /** {@code options} with the SSL options of {@code settings.tls()}, when there is one. */
    static ClientOptions withTls(ClientOptions options, RedisSettings settings) {
        RedisTls tls = settings.tls();
        if (tls == null) {
            return options;
        }
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        if (tls.caFile() != null) {
            ssl.trustManager(readable("redis.tls.caFile", tls.caFile()));
        }
        if (tls.certFile() != null) {
            ssl.keyManager(readable("redis.tls.certFile", tls.certFile()), readable("redis.tls.keyFile", tls.keyFile()),
                    null);
        }
        return options.mutate().sslOptions(ssl.build()).build();
    }

    private static File readable(String field, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(field, "cannot read file " + file);
        }
        return path.toFile();
    }
}
