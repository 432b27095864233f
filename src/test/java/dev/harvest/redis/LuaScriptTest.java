package dev.harvest.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class LuaScriptTest {

    @Test
    void shouldComputeRedisSha1WhenScriptIsLoaded() {
        LuaScript script = LuaScript.load("release");

        assertThat(script.sha()).hasSize(40).isEqualTo(LuaScript.sha1(script.body()));
        assertThat(LuaScript.sha1("return 1")).isEqualTo("e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    }

    @Test
    void shouldFailWhenScriptResourceIsMissing() {
        assertThatThrownBy(() -> LuaScript.load("no-such-script")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lua/no-such-script.lua");
    }

    @Test
    void shouldRecogniseNoScriptWhenRedisLostTheScript() {
        assertThat(LuaScript.isNoScript(new CompletionException(new RedisNoScriptException("NOSCRIPT No matching script")))).isTrue();
        assertThat(LuaScript.isNoScript(new RedisCommandExecutionException("NOSCRIPT No matching script"))).isTrue();
        assertThat(LuaScript.isNoScript(new RedisCommandExecutionException("ERR wrong number of arguments"))).isFalse();
    }

    @Test
    void shouldTreatConnectionFailuresAsUnavailableWhenTranslating() {
        for (Throwable t : List.of(new RedisConnectionException("refused"), new RedisCommandTimeoutException("slow"),
                new RedisException("Currently not connected. Commands are rejected."),
                new RedisCommandExecutionException("LOADING Redis is loading the dataset in memory"))) {
            assertThat(RedisFailures.translate("acquire", new CompletionException(t)))
                    .isInstanceOf(RedisUnavailableException.class).hasMessageContaining("acquire");
        }
        assertThat(RedisFailures.translate("acquire", new RedisCommandExecutionException("ERR user_script:1: boom")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldReadFixedShapeReplyWhenElementsHaveExpectedTypes() {
        ScriptReply reply = new ScriptReply("t", Arrays.asList(7L, "k1", "", null));

        assertThat(reply.longAt(0)).isEqualTo(7);
        assertThat(reply.stringAt(1)).isEqualTo("k1");
        assertThat(reply.stringAt(2)).isEmpty();
        assertThat(reply.stringAt(3)).isEmpty();
        assertThatThrownBy(() -> reply.longAt(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("script t");
        assertThatThrownBy(() -> reply.longAt(9)).isInstanceOf(IllegalStateException.class);
    }
}
