package dev.harvest.lease;

import dev.harvest.config.LaneConfig;
import dev.harvest.config.PermitConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** How many permits a lane must leave free for the lanes above it. */
public final class LanePriorities {

    private LanePriorities() {
    }

    /**
     * Sum of {@code reserved} of every lane with a higher priority than {@code laneName} (lanes listed
     * highest first). A lane may take a permit only while more permits than this are free.
     */
    public static int reservedAbove(PermitConfig permits, List<LaneConfig> lanes, String laneName) {
        int sum = 0;
        for (LaneConfig lane : lanes) {
            if (lane.name().equals(laneName)) {
                return sum;
            }
            sum += permits.reserved().getOrDefault(lane.name(), 0);
        }
        return sum;
    }

    /** The same for every lane, by lane name. */
    public static Map<String, Integer> reservedAboveByLane(PermitConfig permits, List<LaneConfig> lanes) {
        Map<String, Integer> out = new HashMap<>();
        for (LaneConfig lane : lanes) {
            out.put(lane.name(), reservedAbove(permits, lanes, lane.name()));
        }
        return Map.copyOf(out);
    }
}
