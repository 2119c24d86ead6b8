package io.omnihub.fulfillment;

import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.springframework.stereotype.Component;

/**
 * Commits a Kafka consumer's offset for the current record (bean {@code kafkaOffsets}). A route consuming with
 * {@code allowManualCommit=true} calls it as its last step, after its database transaction has committed, so a
 * record whose processing did not complete is delivered again.
 */
@Component("kafkaOffsets")
public class KafkaOffsets {

    public void commit(Exchange exchange) {
        KafkaManualCommit commit = exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit != null) {
            commit.commit();
        }
    }
}
