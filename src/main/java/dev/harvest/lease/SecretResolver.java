package dev.harvest.lease;

import java.util.Optional;

/** Finds the secret of a key: inline, from an environment variable, a mounted file, or the pool's store. */
public interface SecretResolver {

    Optional<KeySecret> secretOf(String keyPool, String keyId);
}
