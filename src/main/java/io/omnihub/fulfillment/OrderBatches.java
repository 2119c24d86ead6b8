package io.omnihub.fulfillment;

import io.omnihub.connectors.kafka.KafkaOffsets;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.deadletter.StorageOutages;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order-routing consumer's batch step (bean {@code orderBatches}): the records of one Kafka poll (Camel batching)
 * are routed together by {@link OrderBatchRouting} in ONE transaction, then each partition's offset is committed once,
 * asynchronously, after that commit. A record without an order id, a record of an order the hub does not store, an
 * order converted from a hold, and every record of a batch that failed (a guard mismatch, an unexpected error) go
 * through the per-record route {@code direct:order-routing-one} instead, in the poll's order, which routes the order
 * in its own transaction as one record at a time always did, retries transient errors and dead-letters what cannot be
 * routed: one bad order never blocks the rest. Offsets are committed only when every record is routed or
 * dead-lettered; otherwise nothing of the poll is acknowledged and its records come again after a restart (a routed
 * order is left unchanged then).
 */
@Component("orderBatches")
public class OrderBatches {

    /** The per-record route. */
    public static final String ONE = "direct:order-routing-one";
    static final String ONE_ROUTE = "order-routing-one";

    private static final Logger log = LoggerFactory.getLogger(OrderBatches.class);

    private final OrderBatchRouting batches;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;

    public OrderBatches(OrderBatchRouting batches, ProducerTemplate producer, ObjectMapper mapper) {
        this.batches = batches;
        this.producer = producer;
        this.mapper = mapper;
    }

    /**
     * Routes the poll's records (the body: a list of exchanges, one per record); kafka-batch-source commits their
     * offsets when this returns. While the hub's database is away the poll is tried again (the consumer thread waits
     * here, with a growing pause), so nothing of it is skipped or dead-lettered.
     */
    public void route(Exchange poll) throws InterruptedException {
        List<Exchange> records = KafkaOffsets.records(poll);
        if (records.isEmpty()) {
            return;
        }
        StorageOutages.retryWhileAway(records.size() + " orders", producer.getCamelContext()::isStarted, () -> {
            routeOnce(records);
            return null;
        });
    }

    /** Routes a poll: together, then one by one what the batch left (or everything, when the batch failed). */
    void routeOnce(List<Exchange> records) {
        routeOnce(records, null);
    }

    /** As {@link #routeOnce(List)}; {@code beforeWrite} (tests only): see {@link OrderBatchRouting#route(List, Runnable)}. */
    void routeOnce(List<Exchange> records, Runnable beforeWrite) {
        Map<Exchange, String> idOf = new LinkedHashMap<>();
        for (Exchange record : records) {
            String id = orderId(record);
            if (id != null) {
                idOf.put(record, id);
            }
        }
        Set<String> alone = new HashSet<>();
        boolean together;
        try {
            OrderBatchRouting.Result result = batches.route(new ArrayList<>(new java.util.LinkedHashSet<>(idOf.values())), beforeWrite);
            alone.addAll(result.notStored());
            alone.addAll(result.oneByOne());
            together = true;
        } catch (RuntimeException e) {
            if (DeadLetters.isStorageUnavailable(e)) {
                // one by one cannot fare better without a database: the whole poll is tried again
                throw e;
            }
            log.info("A batch of {} orders could not be routed together ({}); routing them one by one", idOf.size(), e.toString());
            together = false;
        }
        List<Exception> failures = new ArrayList<>();
        Set<String> sent = new HashSet<>();
        for (Exchange record : records) {
            String id = idOf.get(record);
            // without an id (dead-lettered there), left by the batch, or the batch failed: once per order id
            if (id == null || ((!together || alone.contains(id)) && sent.add(id))) {
                Exchange done = producer.send(ONE, KafkaOffsets.forRecordRoute(record, ONE_ROUTE));
                if (done.getException() != null) {
                    failures.add(done.getException());
                }
            }
        }
        if (!failures.isEmpty()) {
            throw StorageOutages.notAcknowledged(failures, records.size(), "order records were neither routed nor dead-lettered");
        }
    }

    /** The record's key (the hub order id), else the body's orderId; null when it has neither (the one route refuses it). */
    private String orderId(Exchange record) {
        String key = record.getMessage().getHeader(KafkaConstants.KEY, String.class);
        if (key != null && !key.isBlank()) {
            return key;
        }
        try {
            String id = mapper.readTree(record.getMessage().getBody(String.class)).path("orderId").asText(null);
            return id == null || id.isBlank() ? null : id;
        } catch (Exception e) {
            return null;
        }
    }
}
