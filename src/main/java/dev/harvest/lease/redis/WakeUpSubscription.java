package dev.harvest.lease.redis;

import dev.harvest.redis.RedisClients;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Listens on {@code hs:{P}:freed}. Releases (and instances stepping out of a wait queue) publish the ids of the
 * instances at the head of the queues concerned; this instance wakes its blocked waiters only when it is named,
 * so a release does not make every waiting instance race for one permit. Instances that wait also publish which
 * resources they wait for, so that holders stop handing leases on locally ({@link LeaseReuse}). Lettuce resubscribes after a reconnect;
 * messages lost meanwhile are covered by the safety poll.
 */
final class WakeUpSubscription implements AutoCloseable {

    private final StatefulRedisPubSubConnection<String, String> connection;
    private final String channel;

    private WakeUpSubscription(StatefulRedisPubSubConnection<String, String> connection, String channel) {
        this.connection = connection;
        this.channel = channel;
    }

    /**
     * @param contention gets the contention messages ({@code c <instance> <class>...}, see {@link LeaseReuse})
     */
    static WakeUpSubscription subscribe(RedisClients clients, String channel, String instanceId, Runnable wake,
                                        Consumer<String> contention) {
        StatefulRedisPubSubConnection<String, String> connection = clients.connectPubSub();
        connection.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String ch, String message) {
                if (LeaseReuse.isContentionMessage(message)) {
                    contention.accept(message);
                } else if (message.contains(instanceId)) {
                    wake.run();
                }
            }
        });
        Duration timeout = clients.commandTimeout().multipliedBy(3);
        Blocking.await(connection.async().subscribe(channel), timeout, "subscribe to releases");
        return new WakeUpSubscription(connection, channel);
    }

    @Override
    public void close() {
        if (connection.isOpen()) {
            try {
                connection.async().unsubscribe(channel);
            } catch (RuntimeException e) {
                // the clients were closed first: nothing to unsubscribe from
            }
        }
    }
}
