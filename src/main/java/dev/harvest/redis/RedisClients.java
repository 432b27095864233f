package dev.harvest.redis;

import dev.harvest.config.RedisSettings;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.metrics.MicrometerOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.IOUringProvider;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's Redis client: one shared, auto-reconnecting, pipelined connection (Lettuce multiplexes every
 * caller's commands over it), plus pub/sub connections on demand. Password, ACL user and TLS come from the
 * settings (see {@link RedisSecurity}).
 *
 * <p>While disconnected, commands fail at once ({@code REJECT_COMMANDS}) instead of queueing without bound: the
 * admission code treats that as "unavailable" and retries with backoff. Every command is bounded by the configured
 * command timeout. TCP keepalive (and, with a native transport, {@code TCP_USER_TIMEOUT}) notices a silently dead
 * peer so that the reconnect starts in seconds, not after the kernel's default of about 15 minutes.
 */
public final class RedisClients implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisClients.class);
    private static final Duration KEEPALIVE_IDLE = Duration.ofSeconds(5);
    private static final Duration KEEPALIVE_INTERVAL = Duration.ofSeconds(2);
    private static final int KEEPALIVE_PROBES = 3;

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final Duration commandTimeout;
    private final List<StatefulRedisPubSubConnection<String, String>> pubSubs = new CopyOnWriteArrayList<>();

    private RedisClients(ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> connection,
                         Duration commandTimeout) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.commandTimeout = commandTimeout;
    }

    /**
     * Connects to {@code settings.uri()}.
     *
     * @throws RedisUnavailableException when Redis cannot be reached now
     */
    public static RedisClients connect(RedisSettings settings) {
        return connect(settings, null);
    }

    /**
     * Turns off Netty's buffer-leak detector unless {@code -Dio.netty.leakDetection.level} asks for it: by default
     * it records a stack trace for a sample of the buffers Lettuce allocates, a cost on every Redis call that a
     * production app does not need (Lettuce releases its buffers itself).
     */
    static void quietLeakDetection() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /**
     * Connects and, when {@code registry} is given, records every command's latency in it with Lettuce's Micrometer
     * recorder ({@code lettuce.command.completion} and {@code lettuce.command.firstresponse}, by command type).
     */
    public static RedisClients connect(RedisSettings settings, MeterRegistry registry) {
        quietLeakDetection();
        RedisURI uri = RedisSecurity.uri(settings);
        ClientOptions options = RedisSecurity.withTls(options(settings.commandTimeout()), settings);
        DefaultClientResources.Builder builder = DefaultClientResources.builder().ioThreadPoolSize(2)
                .computationThreadPoolSize(2);
        if (registry != null) {
            builder.commandLatencyRecorder(new MicrometerCommandLatencyRecorder(registry, MicrometerOptions.create()));
        }
        ClientResources resources = builder.build();
        RedisClient client = RedisClient.create(resources, uri);
        client.setOptions(options);
        try {
            StatefulRedisConnection<String, String> connection = connectGivingTheReason(client);
            return new RedisClients(resources, client, connection, settings.commandTimeout());
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown(0, 1, TimeUnit.SECONDS);
            // The URI may hold a password: name only the host side of the failure.
            throw RedisFailures.translate("connect", e);
        }
    }

    /** Attempts at a connection whose handshake failed without its reason (see below). */
    static final int HANDSHAKE_ATTEMPTS = 3;

    /**
     * {@code client.connect()}, again when the handshake failed as "closed prematurely". When Redis refuses the
     * login (a wrong password: {@code WRONGPASS}), Lettuce closes the channel and fails the handshake with Redis's
     * answer only once the close has completed; now and then the channel's end is handled first and the failure
     * says only that the connection closed. A refused login must say why, so such an attempt is made again; a
     * refusal gives the same answer each time, and a server that closes connections fails each attempt the same.
     */
    static StatefulRedisConnection<String, String> connectGivingTheReason(RedisClient client) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.connect();
            } catch (RedisConnectionException e) {
                if (attempt >= HANDSHAKE_ATTEMPTS || !closedWithoutReason(e)) {
                    throw e;
                }
                LOG.debug("redis handshake ended without its reason; connecting again ({} of {})", attempt + 1,
                        HANDSHAKE_ATTEMPTS);
            }
        }
    }

    /**
     * Whether {@code e} is Lettuce's handshake failure that gives no reason: the channel closed under the handshake
     * ("Connection closed prematurely"), or closed before the handshake's handler was looked up in its pipeline
     * ("RedisHandshakeHandler not registered").
     */
    static boolean closedWithoutReason(Throwable e) {
        Throwable root = RedisFailures.rootCause(e);
        return root instanceof RedisConnectionException && "Connection closed prematurely".equals(root.getMessage())
                || root instanceof IllegalStateException && "RedisHandshakeHandler not registered".equals(root.getMessage());
    }

    static ClientOptions options(Duration commandTimeout) {
        SocketOptions.Builder socket = SocketOptions.builder()
                .connectTimeout(commandTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? commandTimeout : Duration.ofSeconds(10))
                .tcpNoDelay(true)
                .keepAlive(SocketOptions.KeepAliveOptions.builder().enable().idle(KEEPALIVE_IDLE)
                        .interval(KEEPALIVE_INTERVAL).count(KEEPALIVE_PROBES).build());
        if (EpollProvider.isAvailable() || IOUringProvider.isAvailable()) {
            // TCP_USER_TIMEOUT exists only on the native transports; on NIO keepalive alone must do.
            Duration userTimeout = KEEPALIVE_IDLE.plus(KEEPALIVE_INTERVAL.multipliedBy(KEEPALIVE_PROBES));
            socket.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable().tcpUserTimeout(userTimeout).build());
        }
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .pingBeforeActivateConnection(true)
                .socketOptions(socket.build())
                .timeoutOptions(TimeoutOptions.builder().fixedTimeout(commandTimeout).build())
                .build();
    }

    /** The shared connection; do not close it, close this object instead. */
    public StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    /** Async commands of the shared connection: pipelined, never blocking the caller. */
    public RedisAsyncCommands<String, String> async() {
        return connection.async();
    }

    /** A new pub/sub connection (subscriptions need their own); closed together with this object. */
    public StatefulRedisPubSubConnection<String, String> connectPubSub() {
        try {
            StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub();
            pubSubs.add(pubSub);
            return pubSub;
        } catch (RuntimeException e) {
            throw RedisFailures.translate("connect pub/sub", e);
        }
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** True while the shared connection is up (false during a reconnect). */
    public boolean isConnected() {
        return connection.isOpen();
    }

    @Override
    public void close() {
        for (StatefulRedisPubSubConnection<String, String> pubSub : pubSubs) {
            closeQuietly(pubSub);
        }
        closeQuietly(connection);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing a redis connection failed: {}", e.getClass().getSimpleName());
        }
    }
}
