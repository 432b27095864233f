package dev.harvest.app.dlq;

import dev.harvest.app.KafkaClientProperties;
import dev.harvest.config.LaneConfig;
import dev.harvest.config.PipelineConfig;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Sends dead letters back to a lane, where they run through the same admission and retries as any task.
 *
 * <p>A replayed record is the original key and value bytes with the producer's own headers, but none of the
 * pipeline's ({@code harvest.*}, {@code __connect.errors.*}, {@code __streams.errors.*}): so it starts at
 * attempt 1. It carries {@code harvest.replay=<audit id>} (which also lets it past de-duplication) and
 * {@code harvest.replay.source=<dlq topic/partition/offset>}. Each batch and its audit record are written in
 * one Kafka transaction under the fixed transactional id {@code <pipeline>-dlq-replay}: a second replay of
 * the same pipeline fences the first, and reads the audit only after that, so no dead letter goes out twice
 * unless forced.
 */
public final class DeadLetterReplayer {

    /** Records per transaction (and per audit record). */
    static final int BATCH = 500;

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final PipelineConfig config;
    private final Clock clock;

    public DeadLetterReplayer(PipelineConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** Replays what {@code request} selects; see {@link ReplayReport} for what happened. */
    public ReplayReport replay(ReplayRequest request) {
        String auditId = "replay-" + ID_TIME.format(clock.instant()) + "-" + UUID.randomUUID().toString().substring(0, 8);
        ReplayAudit audit = new ReplayAudit(config);
        if (request.dryRun()) {
            return select(request, audit.replayed()).report(auditId, request, 0, null, null);
        }
        audit.ensureTopic();
        try (ReplaySender sender = new ReplaySender(config, producer(), auditId, request, clock)) {
            // The audit is read only now, after initTransactions() fenced any replay still running.
            Selection s = select(request, audit.replayed());
            List<ReplayReport.Planned> rest = s.planned();
            if (request.canary() == 0 || rest.isEmpty()) {
                return s.report(auditId, request, sender.sendAll(rest, "replay"), null, null);
            }
            List<ReplayReport.Planned> canaries = rest.subList(0, Math.min(request.canary(), rest.size()));
            ReplayReport.Canary canary = sender.canary(canaries);
            if (!canary.passed()) {
                return s.report(auditId, request, canaries.size(), canary, stopReason(canary));
            }
            int sent = canaries.size() + sender.sendAll(rest.subList(canaries.size(), rest.size()), "replay");
            return s.report(auditId, request, sent, canary, null);
        }
    }

    private static String stopReason(ReplayReport.Canary canary) {
        if (!canary.failed().isEmpty()) {
            return canary.failed().size() + " of " + canary.size() + " canaries dead-lettered again ("
                    + String.join(", ", canary.failed()) + ")";
        }
        return (canary.size() - canary.completed()) + " of " + canary.size()
                + " canaries had no outcome in time";
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties p = KafkaClientProperties.producer(config);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.pipeline() + "-dlq-replay");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        try {
            producer.initTransactions(); // fences an earlier replay of this pipeline that may still be running
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
        return producer;
    }

    /** The selected dead letters, split into routable (planned) and not. */
    private record Selection(List<ReplayReport.Planned> planned, List<DeadLetter> unroutable, int alreadyReplayed) {

        ReplayReport report(String auditId, ReplayRequest r, int sent, ReplayReport.Canary canary, String stop) {
            return new ReplayReport(auditId, r.operator(), r.dryRun(), planned, alreadyReplayed, unroutable, sent,
                    canary, stop);
        }
    }

    /**
     * The dead letters to replay: matching, not replayed before (unless forced) and routable, oldest first; the
     * limit counts only these, so dead letters no lane can take never crowd out the ones that can be replayed.
     */
    private Selection select(ReplayRequest request, Set<String> replayed) {
        Optional<LaneConfig> forced = request.toLane() == null ? Optional.empty() : Optional.of(lane(request.toLane()));
        AtomicInteger skipped = new AtomicInteger();
        List<DeadLetter> unroutable = new ArrayList<>();
        List<DeadLetter> selected;
        try (DeadLetterReader reader = new DeadLetterReader(config)) {
            selected = reader.read(request.filter(), d -> {
                if (!request.force() && replayed.contains(d.coordinates())) {
                    skipped.incrementAndGet();
                    return false;
                }
                if (forced.isEmpty() && origin(d).isEmpty()) {
                    unroutable.add(d);
                    return false;
                }
                return true;
            });
        }
        unroutable.sort(DeadLetterReader.OLDEST_FIRST);
        List<ReplayReport.Planned> planned = new ArrayList<>();
        for (DeadLetter d : selected) {
            LaneConfig target = forced.orElseGet(() -> origin(d).orElseThrow());
            planned.add(new ReplayReport.Planned(d, target.name(), target.topic()));
        }
        return new Selection(planned, unroutable, skipped.get());
    }

    /** The lane a dead letter came from: its {@code harvest.lane}, else the lane whose topic it was read from. */
    private Optional<LaneConfig> origin(DeadLetter d) {
        if (d.lane() != null) {
            Optional<LaneConfig> byName = config.lane(d.lane());
            if (byName.isPresent()) {
                return byName;
            }
        }
        String topic = d.originTopic();
        return config.lanes().stream().filter(l -> l.topic().equals(topic)).findFirst();
    }

    private LaneConfig lane(String name) {
        return config.lane(name).orElseThrow(() -> new IllegalArgumentException("unknown lane '" + name
                + "'; lanes are " + config.lanes().stream().map(LaneConfig::name).toList()));
    }
}
