package dev.harvest.lease.redis;

import java.util.regex.Pattern;

/**
 * Redis key names of one pipeline's admission state. Every key carries the hash tag {@code {pipeline}} so that
 * an acquire, which touches a pool and a semaphore at once, stays on one Redis Cluster slot (see acquire.lua).
 *
 * <pre>
 * hs:{P}:fence                 fencing counter (INCR)
 * hs:{P}:leases                ZSET leaseId -> expiry (server ms)
 * hs:{P}:lease                 HASH leaseId -> token|pool|keyId|semaphore|ttlMs
 * hs:{P}:pools, hs:{P}:sems    SETs of names
 * hs:{P}:pool:NAME:meta        HASH cap, cooldownMs
 * hs:{P}:pool:NAME:keys        HASH keyId -> config|runtime (membership)
 * hs:{P}:pool:NAME:inuse       HASH keyId -> leases held (kept apart from membership: a removed key's leases end normally)
 * hs:{P}:pool:NAME:cool        HASH keyId -> cooldown end (server ms)
 * hs:{P}:pool:NAME:claims|r429 HASH keyId -> counts
 * hs:{P}:pool:NAME:secrets     HASH keyId -> secret (pools with secretsInRedis)
 * hs:{P}:pool:NAME:limits      HASH keyId -> rate and budget limits (see lua/lib/windows.lua)
 * hs:{P}:pool:NAME:rate:KEY    ZSET leaseId -> grant time: the rate window
 * hs:{P}:pool:NAME:spend:KEY   ZSET leaseId|cost -> grant time: the budget window
 * hs:{P}:pool:NAME:spent|charged HASH keyId -> cost in the budget window | cost charged in total
 * hs:{P}:sem:NAME              HASH total, used
 * hs:{P}:wait:CLASS           ZSET instance -> place in the fairness queue of a wait class (lane:pool:sem)
 * hs:{P}:wait:CLASS:seen      HASH instance -> last call that still waited in the class
 * hs:{P}:waitclasses           SET of wait classes with a queue; hs:{P}:yielding HASH class -> grace start
 * hs:{P}:freed                 pub/sub channel: instance ids to wake (heads of queues something was freed for)
 * </pre>
 */
public final class KeySpace {

    /** Names are identifiers; '|' and braces would break the lease record or the hash tag. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");

    private final String prefix;

    public KeySpace(String pipeline) {
        this.prefix = "hs:{" + requireName("pipeline", pipeline) + "}:";
    }

    static String requireName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must use letters, digits, '.', '_' or '-', was '" + name + "'");
        }
        return name;
    }

    /** KEYS[1] of every script: it names the slot, the scripts derive every other key from its prefix. */
    public String fence() {
        return prefix + "fence";
    }

    public String leases() {
        return prefix + "leases";
    }

    public String semaphore(String name) {
        return prefix + "sem:" + name;
    }

    public String secrets(String pool) {
        return prefix + "pool:" + pool + ":secrets";
    }

    public String freedChannel() {
        return prefix + "freed";
    }
}
