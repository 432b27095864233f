package dev.harvest.bench;

import dev.harvest.devstack.RedisInfo;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time used by the three processes of a benchmark run, in nanoseconds: this JVM (the app under test, and the
 * bench's own reader of its output), the broker's JVM ({@code -1} when the broker runs inside this JVM, whose
 * figure then includes it) and Redis; and of those, the JIT compiler threads of the two JVMs ({@code -1} when
 * unknown). On a machine whose cores are all busy, time per task is what a change to
 * the pipeline moves most reliably: throughput also moves with whatever else the machine runs.
 */
record CpuTime(long appNanos, long brokerNanos, long redisNanos, long compilerNanos) {

    static final CpuTime ZERO = new CpuTime(0, 0, 0, 0);

    /** Now, for the processes of {@code stack}. */
    static CpuTime of(BenchStack stack) {
        long app = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new CpuTime(app, stack.brokerCpuNanos(), RedisInfo.cpuNanosIn(stack.redisInfo("cpu")),
                stack.compilerCpuNanos());
    }

    /** What was used between {@code earlier} and this reading. */
    CpuTime since(CpuTime earlier) {
        return new CpuTime(appNanos - earlier.appNanos, unknownOr(brokerNanos, earlier.brokerNanos,
                brokerNanos - earlier.brokerNanos), redisNanos - earlier.redisNanos, unknownOr(compilerNanos,
                earlier.compilerNanos, compilerNanos - earlier.compilerNanos));
    }

    CpuTime plus(CpuTime other) {
        return new CpuTime(appNanos + other.appNanos, unknownOr(brokerNanos, other.brokerNanos,
                brokerNanos + other.brokerNanos), redisNanos + other.redisNanos, unknownOr(compilerNanos,
                other.compilerNanos, compilerNanos + other.compilerNanos));
    }

    /**
     * Microseconds per unit ({@code units} tasks or records): {@code <prefix>AppCpuUs}, {@code <prefix>BrokerCpuUs}
     * (when the broker has its own JVM), {@code <prefix>RedisCpuUs} and, when known, {@code <prefix>JitCpuUs}: the
     * part of the first two spent compiling (a warm-up that ended too early shows here).
     */
    Map<String, Object> perUnit(String prefix, double units) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(prefix + "AppCpuUs", BenchRunner.round(appNanos / 1e3 / units, 1));
        if (brokerNanos >= 0) {
            out.put(prefix + "BrokerCpuUs", BenchRunner.round(brokerNanos / 1e3 / units, 1));
        }
        out.put(prefix + "RedisCpuUs", BenchRunner.round(redisNanos / 1e3 / units, 1));
        if (compilerNanos >= 0) {
            out.put(prefix + "JitCpuUs", BenchRunner.round(compilerNanos / 1e3 / units, 1));
        }
        return out;
    }

    private static long unknownOr(long a, long b, long value) {
        return a < 0 || b < 0 ? -1 : value;
    }
}
