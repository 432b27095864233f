package dev.harvest.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One Lua script from {@code src/main/resources/lua/<name>.lua}, loaded once. It runs with {@code EVALSHA}; when
 * Redis answers {@code NOSCRIPT} (a restart or failover empties the script cache, so does {@code SCRIPT FLUSH}) the
 * same call is sent once more with {@code EVAL}, which also puts the script back into the cache.
 *
 * <p>Every script replies with a flat array of a fixed shape, read with {@link ScriptReply}. Failures come back
 * translated by {@link RedisFailures}: {@link RedisUnavailableException} or {@link IllegalStateException}.
 */
public final class LuaScript {

    private static final String INCLUDE = "-- @include ";

    private final String name;
    private final String body;
    private final String sha;

    private LuaScript(String name, String body) {
        this.name = name;
        this.body = body;
        this.sha = sha1(body);
    }

    /**
     * Loads {@code lua/<name>.lua} from the class path. A line {@code -- @include lib} is replaced by the text of
     * {@code lua/lib/<lib>.lua}: helpers several scripts share, so that the script Redis runs stays one body.
     */
    public static LuaScript load(String name) {
        String text = read("lua/" + name + ".lua");
        StringBuilder body = new StringBuilder(text.length());
        for (String line : text.split("\n", -1)) {
            if (line.startsWith(INCLUDE)) {
                body.append(read("lua/lib/" + line.substring(INCLUDE.length()).strip() + ".lua"));
            } else {
                body.append(line).append('\n');
            }
        }
        return new LuaScript(name, body.toString());
    }

    private static String read(String resource) {
        try (InputStream in = LuaScript.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no script " + resource + " on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public String name() {
        return name;
    }

    /** The SHA1 Redis knows the script by. */
    public String sha() {
        return sha;
    }

    public String body() {
        return body;
    }

    /**
     * Runs the script: EVALSHA, and EVAL if Redis lost the script. Never blocks; Lettuce pipelines the command
     * with every other command on the connection.
     */
    public CompletionStage<ScriptReply> run(RedisScriptingAsyncCommands<String, String> redis, String[] keys, String... args) {
        CompletableFuture<ScriptReply> result = new CompletableFuture<>();
        CompletionStage<List<Object>> first;
        try {
            first = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(RedisFailures.translate(name, e));
        }
        first.whenComplete((reply, failure) -> {
            if (failure == null) {
                result.complete(new ScriptReply(name, reply));
            } else if (isNoScript(failure)) {
                evalBody(redis, keys, args, result);
            } else {
                result.completeExceptionally(RedisFailures.translate(name, failure));
            }
        });
        return result;
    }

    private void evalBody(RedisScriptingAsyncCommands<String, String> redis, String[] keys, String[] args,
                          CompletableFuture<ScriptReply> result) {
        try {
            redis.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args).whenComplete((reply, failure) -> {
                if (failure == null) {
                    result.complete(new ScriptReply(name, reply));
                } else {
                    result.completeExceptionally(RedisFailures.translate(name, failure));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(RedisFailures.translate(name, e));
        }
    }

    static boolean isNoScript(Throwable failure) {
        Throwable t = RedisFailures.unwrap(failure);
        return t instanceof RedisNoScriptException
                || (t != null && t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
    }

    static String sha1(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-1");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "LuaScript[" + name + ", " + sha + "]";
    }
}
