package io.omnihub.sync;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.springframework.stereotype.Component;

/**
 * Commits a Kafka consumer's offset once the record's effect is committed in PostgreSQL (the hub's Kafka consumers
 * run with allowManualCommit and no auto commit): a record is never acknowledged before its transaction, so a crash
 * in between redelivers it, and the idempotency key makes the redelivery harmless.
 */
@Component("kafkaCommits")
public class KafkaCommits {

    public void commit(Exchange exchange) {
        KafkaManualCommit manual = exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (manual != null) {
            manual.commit();
        }
    }
}
