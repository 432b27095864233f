package dev.harvest.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Sorts Redis failures into "unavailable, retry later" ({@link RedisUnavailableException}) and everything else
 * (a bug: a script error or a wrong type, as {@link IllegalStateException}). Messages keep only the operation name
 * and the error class or Redis error code, never command arguments.
 */
public final class RedisFailures {

    /** Error codes Redis answers with while it cannot serve writes for a while. */
    private static final List<String> TRANSIENT_CODES =
            List.of("LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS");

    private RedisFailures() {
    }

    /** The root failure without the wrappers futures add. */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** True when the failure means Redis is unreachable or temporarily unable to serve. */
    public static boolean isUnavailable(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof RedisUnavailableException || t instanceof RedisConnectionException
                || t instanceof RedisCommandTimeoutException || t instanceof RedisCommandInterruptedException
                || t instanceof IOException || t instanceof CancellationException) {
            return true;
        }
        if (t instanceof RedisCommandExecutionException) {
            String message = String.valueOf(t.getMessage());
            return TRANSIENT_CODES.stream().anyMatch(message::startsWith);
        }
        // Lettuce reports "Currently not connected. Commands are rejected." and "Connection closed" this way.
        return t instanceof RedisException;
    }

    /** Translates a failure of {@code operation} into the project's two kinds. */
    public static RuntimeException translate(String operation, Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof RedisUnavailableException unavailable) {
            return unavailable;
        }
        if (isUnavailable(t)) {
            return new RedisUnavailableException("redis unavailable during " + operation + ": " + describe(t), t);
        }
        return new IllegalStateException("redis " + operation + " failed: " + describe(t), t);
    }

    /** The last cause in {@code failure}'s chain: where Lettuce puts what Redis or the socket said. */
    static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        if (message == null) {
            return t.getClass().getSimpleName();
        }
        // Redis error replies start with their code; scripts errors carry the script line, not the arguments.
        String text = t.getClass().getSimpleName() + ": " + cut(message);
        Throwable root = rootCause(t);
        // A refused login (WRONGPASS, NOAUTH) or TLS handshake is only named by the root cause.
        return root == t || root.getMessage() == null ? text
                : text + " (" + root.getClass().getSimpleName() + ": " + cut(root.getMessage()) + ")";
    }

    private static String cut(String message) {
        String line = message.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }
}
