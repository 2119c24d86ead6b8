package io.omnihub.connectors.kafka;

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
 * The one place the hub's Kafka consumers acknowledge what they consumed (bean {@code kafkaOffsets}), called as the
 * last step of the two consumer connectors: {@code kafka-source} (a record at a time) and {@code kafka-batch-source}
 * (a poll at a time). Every consumer runs with allowManualCommit and no auto commit, and an offset is committed only
 * after the record's effect is committed in PostgreSQL (or kept as a dead letter): a crash in between redelivers it,
 * and the consumer's idempotency (order ids, event ids, idempotency keys) makes the redelivery harmless. A flow that
 * fails leaves its exchange failed, the connector's commit step does not run, and the records come again.
 */
@Component("kafkaOffsets")
public class KafkaOffsets {

    private static final Logger log = LoggerFactory.getLogger(KafkaOffsets.class);

    /**
     * A record consumer: commits once per partition and poll, at the last record the poll returned for that partition
     * (Camel marks it with {@link KafkaConstants#LAST_RECORD_BEFORE_COMMIT}), not after every record: a synchronous
     * commit is a broker round trip. Records of a partition are processed one after the other on the consumer
     * thread, so when the last one is done every earlier one's transaction has committed (or its dead letter is
     * recorded) and committing the last offset acknowledges them all. If the last record fails for good, nothing of
     * that poll is committed for the partition. Without the marker (another consumer set-up), every record is
     * committed.
     */
    public void commit(Exchange exchange) {
        var message = exchange.getMessage();
        KafkaManualCommit manual = message.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (manual == null) {
            return;
        }
        Boolean last = message.getHeader(KafkaConstants.LAST_RECORD_BEFORE_COMMIT, Boolean.class);
        if (last == null || last) {
            manual.commit();
        }
    }

    /**
     * A batch consumer: commits, for every partition of the poll (the exchange's body: one exchange per record), the
     * offset after its last record, in ONE asynchronous commit on the consumer thread: the consumer polls on instead
     * of waiting for a broker round trip. The poll's transaction has committed before, so a commit that is lost (a
     * crash, a rebalance) only means these records come again, and every batch consumer recognises what it has done
     * (orders found routed, stock events by their idempotency keys). Without Camel's default manual-commit objects
     * (another set-up), each record's own commit is used.
     */
    public void commitPoll(Exchange poll) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        Consumer<?, ?> consumer = null;
        List<KafkaManualCommit> others = new ArrayList<>();
        for (Exchange record : records(poll)) {
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

    /**
     * A copy of {@code record} (one record of a poll) for its flow's per-record route {@code routeId}, reached at
     * {@code direct:<routeId>}: a copy, so that a poll tried again starts from its records as they came, and named as
     * coming from that route, so that a dead letter it leaves names the per-record route and a replay goes through it
     * (through the batch route a replayed record would be taken for an empty poll).
     */
    public static Exchange forRecordRoute(Exchange record, String routeId) {
        Exchange one = record.copy();
        one.getExchangeExtension().setFromRouteId(routeId);
        return one;
    }

    /** The records of a batch consumer's poll (the exchange's body: one exchange per record); empty when none. */
    @SuppressWarnings("unchecked")
    public static List<Exchange> records(Exchange poll) {
        List<Exchange> records = poll.getMessage().getBody(List.class);
        return records == null ? List.of() : records;
    }
}
