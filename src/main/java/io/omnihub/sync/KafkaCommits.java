package io.omnihub.sync;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.springframework.stereotype.Component;

/**
 * Commits a Kafka consumer's offset once the record's effect is committed in PostgreSQL (the hub's Kafka consumers
 * run with allowManualCommit and no auto commit): a record is never acknowledged before its transaction, so a crash
 * in between redelivers it, and the idempotency key makes the redelivery harmless.
 * <p>
 * The offset is committed once per partition and poll, at the last record the poll returned for that partition
 * (Camel marks it with {@link KafkaConstants#LAST_RECORD_BEFORE_COMMIT}), not after every record: a synchronous
 * commit is a broker round trip that cost the stock-events consumer two thirds of its time. Records of a partition
 * are processed one after the other on the consumer thread, so when the last one is done every earlier one's
 * transaction has committed (or its dead letter is recorded) and committing the last offset acknowledges them all.
 * If the last record fails for good, nothing of that poll is committed for the partition: after a restart those
 * records come again and their idempotency keys make them no-ops. Without the marker (another consumer set-up),
 * every record is committed.
 */
@Component("kafkaCommits")
public class KafkaCommits {

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
}
