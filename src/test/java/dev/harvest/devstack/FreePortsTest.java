package dev.harvest.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    // Ports below 1024 are never offered by the system's probe, so these cannot meet a real pick.

    @Test
    void shouldNotHandOutAPortTwiceWhenTheSystemOffersItAgain() {
        ArrayDeque<Integer> offered = new ArrayDeque<>(List.of(1001, 1001, 1002));

        int listener = FreePorts.pick(offered::poll);
        int controller = FreePorts.pick(offered::poll);

        assertThat(listener).isEqualTo(1001);
        assertThat(controller).isEqualTo(1002);
    }

    @Test
    void shouldNotHandOutAPortTheProcessWasToldToUse() {
        FreePorts.claim(1011, 1012);
        ArrayDeque<Integer> offered = new ArrayDeque<>(List.of(1012, 1011, 1013));

        assertThat(FreePorts.pick(offered::poll)).isEqualTo(1013);
    }

    @Test
    void shouldFailWithAClearErrorWhenEveryProbeOffersATakenPort() {
        FreePorts.claim(1021);

        assertThatThrownBy(() -> FreePorts.pick(() -> 1021))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no free port");
    }

    @Test
    void shouldPickDistinctPortsThatCanBeBound() throws Exception {
        Set<Integer> picked = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = FreePorts.pick();
            assertThat(picked.add(port)).as("port %d handed out twice", port).isTrue();
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(socket.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
