package io.omnihub.connectors.kafka;

import io.omnihub.canonical.Utf8;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** What the {@code kafka-source} connector does to a record before its flow: the value as strict UTF-8 text. */
@Component("kafkaRecords")
public class KafkaRecords {

    /** Replaces the byte[] value by its text; a value that is not UTF-8 is refused as INVALID. */
    public void decode(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body instanceof byte[] bytes) {
            exchange.getMessage().setBody(Utf8.decode(bytes));
        }
    }
}
