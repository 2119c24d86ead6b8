package io.omnihub.inventory;

import io.omnihub.connectors.kafka.KafkaOffsets;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.StockEvent;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.deadletter.StorageOutages;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
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
 * The stock-events consumer's batch step: the records of one Kafka poll (Camel batching) are applied to the ledger in
 * ONE database transaction, then each partition's offset is committed once, after that commit. A record that is
 * invalid, and every record of a batch whose transaction failed, goes through the per-record route
 * {@code direct:stock-event-one} instead (in the records' order), which applies it in its own transaction, retries
 * transient errors and records a dead letter for what cannot be applied, exactly as one record at a time did.
 * Every record is tried; offsets are committed (asynchronously, in one request) only when every record of the
 * batch is applied or dead-lettered, otherwise the batch fails, nothing of it is committed and its records come
 * again after a restart (their idempotency keys make the repetition harmless).
 */
@Component("stockEventBatches")
public class StockEventBatches {

    /** The per-record route, for invalid records and for the records of a failed batch. */
    public static final String ONE = "direct:stock-event-one";
    static final String ONE_ROUTE = "stock-event-one";

    private static final Logger log = LoggerFactory.getLogger(StockEventBatches.class);

    private final StockEvents stockEvents;
    private final ProducerTemplate producer;

    public StockEventBatches(StockEvents stockEvents, ProducerTemplate producer) {
        this.stockEvents = stockEvents;
        this.producer = producer;
    }

    /**
     * Applies the poll's records (the body: a list of exchanges, one per record); kafka-batch-source commits their
     * offsets when this returns. While the hub's database is away the batch is tried again (the consumer thread
     * waits here, with a growing pause), so nothing of it is skipped or dead-lettered: the batching consumer would
     * otherwise poll on past it.
     */
    public void apply(Exchange batch) throws InterruptedException {
        List<Exchange> records = KafkaOffsets.records(batch);
        if (records.isEmpty()) {
            return;
        }
        StorageOutages.retryWhileAway(records.size() + " stock events", producer.getCamelContext()::isStarted, () -> {
            applyOnce(records);
            return null;
        });
    }

    private void applyOnce(List<Exchange> records) {
        List<Exchange> valid = new ArrayList<>(records.size());
        List<Exchange> invalid = new ArrayList<>();
        List<StockEvent> events = new ArrayList<>(records.size());
        for (Exchange record : records) {
            try {
                events.add(stockEvents.validate(record.getMessage().getBody(String.class)));
                valid.add(record);
            } catch (RejectedMessageException refused) {
                // refused whatever the others do (it changes nothing): the per-record route dead-letters it
                invalid.add(record);
            }
        }
        List<Exception> failures = new ArrayList<>();
        try {
            stockEvents.applyAll(events);
        } catch (RuntimeException e) {
            if (DeadLetters.isStorageUnavailable(e)) {
                // one by one cannot fare better without a database: the whole batch is tried again
                throw e;
            }
            log.info("A batch of {} stock events could not be applied together ({}); applying them one by one", events.size(),
                    e.toString());
            valid.forEach(record -> one(record, failures));
        }
        invalid.forEach(record -> one(record, failures));
        if (!failures.isEmpty()) {
            // not acknowledged: after a restart these records come again (the applied ones are no-ops then)
            throw StorageOutages.notAcknowledged(failures, records.size(), "stock events were neither applied nor dead-lettered");
        }
    }

    /** One record through the per-record route; a failure that even the dead letter could not absorb is collected. */
    private void one(Exchange record, List<Exception> failures) {
        Exchange done = producer.send(ONE, KafkaOffsets.forRecordRoute(record, ONE_ROUTE));
        if (done.getException() != null) {
            failures.add(done.getException());
        }
    }
}
