package dev.harvest.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * A loopback port nobody listens on right now, for the local broker, Redis and their child processes.
 *
 * <p>A port probed free is free only until someone binds it, and the system may offer the same port to the next
 * probe: a broker asking for its listener and its controller port one after the other could get one port twice.
 * So a port is never handed out twice in one JVM, nor one the process was told to use ({@link #claim}) and has
 * not bound yet.
 */
public final class FreePorts {

    /** Probes in a row that may come back taken before picking fails. */
    private static final int MAX_PROBES = 100;
    private static final Set<Integer> TAKEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int pick() {
        return pick(FreePorts::probe);
    }

    /** Ports this process will bind itself (given on its command line): {@link #pick} never returns them. */
    public static void claim(int... ports) {
        for (int port : ports) {
            if (port > 0) {
                TAKEN.add(port);
            }
        }
    }

    /** {@link #pick} with the system's probe replaced, for tests. */
    static int pick(IntSupplier probe) {
        for (int i = 0; i < MAX_PROBES; i++) {
            int port = probe.getAsInt();
            if (TAKEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port: " + MAX_PROBES + " probes in a row offered ports already taken");
    }

    private static int probe() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
