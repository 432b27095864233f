package dev.harvest.config;

/**
 * TLS of a {@code rediss://} connection, with PEM files as Kubernetes Secrets mount them.
 *
 * @param caFile     CA certificate(s) the server's certificate must chain to; null for the JVM's trust store
 * @param certFile   client certificate chain, for servers that require one ({@code tls-auth-clients yes})
 * @param keyFile    the client certificate's private key (PKCS#8 PEM, unencrypted)
 * @param verifyPeer {@code full} (chain and host name, the default), {@code ca} (chain only) or {@code none}
 */
public record RedisTls(String caFile, String certFile, String keyFile, String verifyPeer) {

    public RedisTls {
        caFile = optionalPath("caFile", caFile);
        certFile = optionalPath("certFile", certFile);
        keyFile = optionalPath("keyFile", keyFile);
        if (certFile != null && keyFile == null) {
            throw new ConfigException("keyFile", "is required with certFile");
        }
        if (keyFile != null && certFile == null) {
            throw new ConfigException("certFile", "is required with keyFile");
        }
        verifyPeer = verifyPeer == null ? "full" : verifyPeer;
        if (!verifyPeer.equals("full") && !verifyPeer.equals("ca") && !verifyPeer.equals("none")) {
            throw new ConfigException("verifyPeer", "must be full, ca or none, was '" + verifyPeer + "'");
        }
    }

    private static String optionalPath(String field, String value) {
        if (value == null) {
            return null;
        }
        return Check.notBlank(field, value);
    }
}
