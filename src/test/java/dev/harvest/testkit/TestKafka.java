package dev.harvest.testkit;

import dev.harvest.devstack.EmbeddedKafka;

/**
 * One real KRaft broker per test JVM, started on first use and stopped when the JVM exits. Tests isolate
 * themselves by using their own pipeline name (and so their own topics and application ids).
 */
public final class TestKafka {

    private static EmbeddedKafka broker;

    private TestKafka() {
    }

    public static synchronized String bootstrapServers() {
        if (broker == null) {
            broker = EmbeddedKafka.start(0);
            EmbeddedKafka started = broker;
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "test-kafka-shutdown"));
        }
        return broker.bootstrapServers();
    }
}
