package dev.apiguard.redis.internal;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script shipped as a resource of this module, run by its SHA-1 ({@code EVALSHA}) and sent
 * whole ({@code EVAL}) only when the server does not know it yet (a new or restarted server, or a
 * flushed script cache answers {@code NOSCRIPT}): one round trip in the usual case.
 */
public final class Script {

    private final String text;
    private final String sha;

    private Script(String text) {
        this.text = text;
        this.sha = sha1(text);
    }

    /** The script in the resource {@code dev/apiguard/redis/NAME}. */
    public static Script load(String name) {
        try (InputStream in = Script.class.getResourceAsStream("/dev/apiguard/redis/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new Script(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The script's text. */
    public String text() {
        return text;
    }

    /** Runs the script: by its SHA-1, or whole after a {@code NOSCRIPT}. */
    public <T> T run(RedisClusterCommands<byte[], byte[]> redis, ScriptOutputType type, byte[][] keys, byte[]... args) {
        try {
            return redis.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException notLoaded) {
            return redis.eval(text, type, keys, args);
        }
    }

    /**
     * Runs the script without waiting: by its SHA-1, or whole after a {@code NOSCRIPT}. The stage
     * completes with the reply, or exceptionally (timeout, connection lost).
     */
    public <T> CompletionStage<T> runAsync(
            RedisClusterAsyncCommands<byte[], byte[]> redis, ScriptOutputType type, byte[][] keys, byte[]... args) {
        CompletableFuture<T> reply = new CompletableFuture<>();
        redis.<T>evalsha(sha, type, keys, args).whenComplete((value, fault) -> {
            if (fault == null) {
                reply.complete(value);
            } else if (fault instanceof RedisNoScriptException || fault.getCause() instanceof RedisNoScriptException) {
                redis.<T>eval(text, type, keys, args).whenComplete((again, error) -> {
                    if (error == null) {
                        reply.complete(again);
                    } else {
                        reply.completeExceptionally(error);
                    }
                });
            } else {
                reply.completeExceptionally(fault);
            }
        });
        return reply;
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }
}
