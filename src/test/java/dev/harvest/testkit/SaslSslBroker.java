package dev.harvest.testkit;

import dev.harvest.devstack.EmbeddedKafka;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real KRaft broker whose client listener takes SASL/PLAIN over TLS only, with a certificate for 127.0.0.1
 * issued by a CA made for it. One user: the given name and password.
 */
public final class SaslSslBroker implements AutoCloseable {

    private final EmbeddedKafka kafka;
    private final TestCertificates ca;

    private SaslSslBroker(EmbeddedKafka kafka, TestCertificates ca) {
        this.kafka = kafka;
        this.ca = ca;
    }

    /** Makes the certificates in {@code dir} and starts the broker. */
    public static SaslSslBroker start(Path dir, String user, String password) {
        TestCertificates ca = TestCertificates.authority(dir, "kafka-test");
        TestCertificates.Issued cert = ca.issueServer("kafka-broker");
        String prefix = "listener.name.secured.";
        Map<String, String> props = Map.of(
                prefix + "sasl.enabled.mechanisms", "PLAIN",
                prefix + "plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " user_" + user + "=\"" + password + "\";",
                prefix + "ssl.keystore.type", "PKCS12",
                prefix + "ssl.keystore.location", cert.keyStore().toString(),
                prefix + "ssl.keystore.password", TestCertificates.STORE_PASSWORD,
                prefix + "ssl.key.password", TestCertificates.STORE_PASSWORD);
        EmbeddedKafka kafka = EmbeddedKafka.startSecured(new EmbeddedKafka.SecuredListener("SASL_SSL", props));
        return new SaslSslBroker(kafka, ca);
    }

    /** The SASL_SSL listener (the only one clients should use). */
    public String bootstrapServers() {
        return kafka.securedBootstrapServers();
    }

    /** The CA certificate clients trust ({@code ssl.truststore.type: PEM}). */
    public Path caPem() {
        return ca.caPem();
    }

    /**
     * The {@code kafka:} section of a pipeline file for this broker, the user's password taken from
     * {@code ${KAFKA_SASL_PASSWORD}}.
     */
    public String kafkaYaml() {
        return """
                kafka:
                  bootstrapServers: "%s"
                  properties:
                    security.protocol: SASL_SSL
                    sasl.mechanism: PLAIN
                    sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="harvest" password="${KAFKA_SASL_PASSWORD}";'
                    ssl.truststore.type: PEM
                    ssl.truststore.location: "%s"
                """.formatted(bootstrapServers(), caPem());
    }

    @Override
    public void close() {
        kafka.close();
    }
}
