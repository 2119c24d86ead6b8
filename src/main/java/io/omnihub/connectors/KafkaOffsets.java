package io.omnihub.connectors;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Commits a Kafka consumer's offset for the current record (bean {@code kafkaOffsets}). A route consuming with
 * {@code allowManualCommit=true} calls it as its last step, after its database transaction has committed, so a
 * record whose processing did not complete is delivered again.
 */
@Component("kafkaOffsets")
public class KafkaOffsets {

    private static final Logger log = LoggerFactory.getLogger(KafkaOffsets.class);

    public void commit(Exchange exchange) {
        KafkaManualCommit commit = exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit != null) {
            commit.commit();
        }
    }

    /** The records of a batching consumer's poll (the exchange's body: one exchange per record); empty when none. */
    @SuppressWarnings("unchecked")
    public static List<Exchange> records(Exchange poll) {
        List<Exchange> records = poll.getMessage().getBody(List.class);
        return records == null ? List.of() : records;
    }

    /**
     * Commits, for every partition of a batching consumer's poll, the offset after its last record, in ONE
     * asynchronous commit on the consumer thread (the batch step runs on it): the consumer polls on instead of
     * waiting for a broker round trip. The poll's transaction has committed before, so a commit that is lost (a
     * crash, a rebalance) only means these records come again, and every batch consumer recognises what it has done
     * (orders found routed, stock events by their idempotency keys). Without Camel's default manual-commit objects
     * (another set-up), each record's own commit is used. Used by every batching consumer (orders, stock events).
     */
    public static void commitPoll(List<Exchange> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        Consumer<?, ?> consumer = null;
        List<KafkaManualCommit> others = new ArrayList<>();
        for (Exchange record : records) {
            KafkaManualCommit manual = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (manual instanceof DefaultKafkaManualCommit d && d.getConsumer() != null) {
                consumer = d.getConsumer();
                offsets.merge(d.getPartition(), new OffsetAndMetadata(d.getRecordOffset() + 1),
                        (a, b) -> a.offset() >= b.offset() ? a : b);
            } else if (manual != null) {
                others.add(manual);
            }
        }
        if (consumer != null && !offsets.isEmpty()) {
            consumer.commitAsync(offsets, (committed, error) -> {
                if (error != null) {
                    log.info("Offsets {} not committed ({}); those records will come again and be recognised as done",
                            committed, error.toString());
                }
            });
        }
        others.forEach(KafkaManualCommit::commit);
    }
}
