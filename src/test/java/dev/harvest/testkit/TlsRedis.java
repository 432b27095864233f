package dev.harvest.testkit;

import dev.harvest.devstack.FreePorts;
import dev.harvest.devstack.LocalRedis;
import java.nio.file.Path;
import java.util.List;

/**
 * A redis-server that takes TLS on a port of its own (a server certificate from a test CA, no client certificate
 * asked for) beside its plain port, with a password for the default user and an ACL user allowed everything.
 *
 * @param server the running server
 * @param tlsPort the TLS port on 127.0.0.1
 * @param caPem the CA certificate clients trust
 */
public record TlsRedis(LocalRedis server, int tlsPort, Path caPem) implements AutoCloseable {

    /** Makes the certificates in {@code dir} and starts the server. */
    public static TlsRedis start(Path dir, String defaultPassword, String user, String userPassword) {
        TestCertificates ca = TestCertificates.authority(dir, "redis-ca");
        TestCertificates.Issued cert = ca.issueServer("redis");
        int tlsPort = FreePorts.pick();
        LocalRedis server = LocalRedis.start(List.of("--requirepass", defaultPassword, "--user", user, "on",
                ">" + userPassword, "~*", "&*", "+@all", "--tls-port", Integer.toString(tlsPort),
                "--tls-auth-clients", "no", "--tls-cert-file", cert.certPem().toString(), "--tls-key-file",
                cert.keyPem().toString(), "--tls-ca-cert-file", ca.caPem().toString()));
        return new TlsRedis(server, tlsPort, ca.caPem());
    }

    @Override
    public void close() {
        server.close();
    }
}
