package dev.harvest.redis;

/**
 * Redis cannot be reached right now (disconnected, timed out, loading, failing over). Callers should back off and
 * retry; the message names the operation, never its arguments, so no secret can leak through it.
 */
public final class RedisUnavailableException extends RuntimeException {

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
