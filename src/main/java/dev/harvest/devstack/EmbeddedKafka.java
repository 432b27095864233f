package dev.harvest.devstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, broker and controller in one process) from the Maven jars, for the demo,
 * {@code harvest dev} and the integration tests. Stops and starts again on the same log directory and port.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String CLUSTER_ID = "harvest-devstack-0001";

    private final Path logDir;
    private final boolean deleteOnClose;
    private final int port;
    private final int controllerPort;
    private final SecuredListener secured;
    private final int securedPort;
    private KafkaRaftServer server;

    /**
     * A second listener, named {@code SECURED}, beside the plaintext one the broker uses itself: e.g. SASL_SSL for
     * clients that must authenticate.
     *
     * @param securityProtocol e.g. {@code SASL_SSL}, {@code SSL}, {@code SASL_PLAINTEXT}
     * @param brokerProperties broker settings added as they are, e.g.
     *                         {@code listener.name.secured.plain.sasl.jaas.config} or
     *                         {@code listener.name.secured.ssl.keystore.location}
     */
    public record SecuredListener(String securityProtocol, Map<String, String> brokerProperties) {
        public SecuredListener {
            brokerProperties = Map.copyOf(brokerProperties);
        }
    }

    private EmbeddedKafka(Path logDir, boolean deleteOnClose, int port, int controllerPort, SecuredListener secured) {
        this.logDir = logDir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
        this.controllerPort = controllerPort;
        this.secured = secured;
        this.securedPort = secured == null ? -1 : FreePorts.pick();
    }

    /** Starts a broker on {@code port} (0 picks a free one) with its log in a fresh temporary directory. */
    public static EmbeddedKafka start(int port) {
        try {
            return start(Files.createTempDirectory("harvest-kafka-"), true, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a broker on {@code port} (0 picks a free one) with its log in {@code logDir}. */
    public static EmbeddedKafka start(Path logDir, boolean deleteOnClose, int port) {
        FreePorts.claim(port); // the controller's port must be another
        EmbeddedKafka kafka = new EmbeddedKafka(logDir, deleteOnClose, port == 0 ? FreePorts.pick() : port, FreePorts.pick(), null);
        kafka.startServer();
        return kafka;
    }

    /** Starts a broker on free ports with a second, secured listener (see {@link #securedBootstrapServers()}). */
    public static EmbeddedKafka startSecured(SecuredListener secured) {
        try {
            EmbeddedKafka kafka = new EmbeddedKafka(Files.createTempDirectory("harvest-kafka-"), true, FreePorts.pick(),
                    FreePorts.pick(), secured);
            kafka.startServer();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The plaintext listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The secured listener of {@link #startSecured}. */
    public String securedBootstrapServers() {
        if (secured == null) {
            throw new IllegalStateException("this broker has no secured listener");
        }
        return "127.0.0.1:" + securedPort;
    }

    public int port() {
        return port;
    }

    /** Stops the broker; its log stays, so {@link #restart()} brings the same data back. */
    public synchronized void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    public synchronized void restart() {
        stop();
        startServer();
    }

    @Override
    public void close() {
        stop();
        if (deleteOnClose) {
            TempDirs.deleteQuietly(logDir);
        }
    }

    private synchronized void startServer() {
        Properties props = properties();
        try {
            Files.createDirectories(logDir);
            Path file = logDir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(file)) {
                props.store(out, "harvest embedded broker");
            }
            format(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        server.startup();
    }

    private void format(Path configFile) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        int rc = StorageTool.execute(new String[] {"format", "-t", clusterId(), "-c", configFile.toString(),
            "--ignore-formatted"}, quiet);
        if (rc != 0) {
            throw new IllegalStateException("formatting the embedded broker's log directory failed (" + rc + ")");
        }
    }

    private static String clusterId() {
        // A Kafka cluster id is 16 bytes, base64url without padding (22 characters).
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(CLUSTER_ID.substring(0, 16).getBytes(StandardCharsets.US_ASCII));
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.resolve("data").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        if (secured != null) {
            p.put("listeners", p.get("listeners") + ",SECURED://127.0.0.1:" + securedPort);
            p.put("advertised.listeners", p.get("advertised.listeners") + ",SECURED://127.0.0.1:" + securedPort);
            p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SECURED:"
                    + secured.securityProtocol());
            p.putAll(secured.brokerProperties());
        }
        return p;
    }

}
