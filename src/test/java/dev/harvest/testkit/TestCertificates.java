package dev.harvest.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority made with {@code openssl} (EC P-256 keys): a CA, and certificates it signed
 * for 127.0.0.1/localhost (server) or a client. Keys and certificates are PEM files (for Redis and the project's own
 * {@code tls.*File} settings); each issued one also comes as a PKCS#12 key store (for Kafka). Valid for two days.
 */
public final class TestCertificates {

    /** Password of every key store this class writes. */
    public static final String STORE_PASSWORD = "test-store-pw";

    private final Path dir;
    private final String name;

    private TestCertificates(Path dir, String name) {
        this.dir = dir;
        this.name = name;
    }

    /** A new CA called {@code name}, with its files in {@code dir}. */
    public static TestCertificates authority(Path dir, String name) {
        TestCertificates ca = new TestCertificates(dir, name);
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", ca.caKey().toString(), "-out", ca.caPem().toString(), "-days", "2", "-subj", "/CN=" + name,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /** The CA certificate as PEM (also usable as a Kafka trust store of type PEM). */
    public Path caPem() {
        return dir.resolve(name + "-ca.crt");
    }

    /** A certificate for 127.0.0.1 and localhost, signed by this CA. */
    public Issued issueServer(String cn) {
        return issue(cn, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    }

    /** A client certificate signed by this CA. */
    public Issued issueClient(String cn) {
        return issue(cn, "extendedKeyUsage=clientAuth\n");
    }

    private Issued issue(String cn, String extensions) {
        Path key = dir.resolve(cn + ".key");
        Path csr = dir.resolve(cn + ".csr");
        Path cert = dir.resolve(cn + ".crt");
        Path ext = dir.resolve(cn + ".ext");
        Path store = dir.resolve(cn + ".p12");
        try {
            Files.writeString(ext, extensions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", caPem().toString(), "-CAkey", caKey().toString(),
                "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        openssl("pkcs12", "-export", "-in", cert.toString(), "-inkey", key.toString(), "-certfile",
                caPem().toString(), "-name", "me", "-out", store.toString(), "-passout", "pass:" + STORE_PASSWORD);
        return new Issued(store, cert, key);
    }

    /**
     * One issued certificate.
     *
     * @param keyStore PKCS#12 store with the key, the certificate and the CA ({@link #STORE_PASSWORD})
     * @param certPem  the certificate as PEM
     * @param keyPem   its private key as unencrypted PKCS#8 PEM
     */
    public record Issued(Path keyStore, Path certPem, Path keyPem) {
    }

    private Path caKey() {
        return dir.resolve(name + "-ca.key");
    }

    private static void openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("openssl " + args[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("openssl is needed to make test certificates", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
