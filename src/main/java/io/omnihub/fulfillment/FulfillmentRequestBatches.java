package io.omnihub.fulfillment;

import io.omnihub.canonical.HubHeaders;
import io.omnihub.connectors.kafka.KafkaOffsets;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.deadletter.StorageOutages;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * The fulfillment-requests consumer's batch step: the requests of one Kafka poll (Camel batching) are sent one by one
 * through {@code direct:fulfillment-request-one} (one SFTP file or HTTP call per request, through the node's sink,
 * retried and then dead-lettered there), then every request that went out is recorded in ONE transaction
 * ({@link FulfillmentRequests#sent(List)}) and each partition's offset is committed once, asynchronously, after it.
 * One request at a time with a synchronous offset commit each was about 18 requests a second however idle the
 * machine: the commit waited for the broker, and the bookkeeping for its own commit, on every request.
 * <p>
 * A request is sent once per poll: when the hub's database is away (no dead letter could be kept, no bookkeeping
 * written) the consumer thread waits here with a growing pause and tries again, the request that failed and the
 * bookkeeping, without sending again what already went out. A failure that is neither sent nor dead-lettered leaves
 * the poll's offsets uncommitted (its requests come again after a restart; the request id keeps their timeline
 * entries single) and fails the batch, logged by the batch-consumer configuration.
 */
@Component("fulfillmentRequestBatches")
public class FulfillmentRequestBatches {

    /** The per-request route: the node's sink, retries, dead letter and FULFILLMENT_REQUEST_FAILED. */
    public static final String ONE = "direct:fulfillment-request-one";
    static final String ONE_ROUTE = "fulfillment-request-one";

    private final ProducerTemplate producer;
    private final FulfillmentRequests requests;

    public FulfillmentRequestBatches(ProducerTemplate producer, FulfillmentRequests requests) {
        this.producer = producer;
        this.requests = requests;
    }

    /**
     * Sends the poll's requests (the body: a list of exchanges, one per record) and records them; kafka-batch-source
     * commits the offsets when this returns.
     */
    public void send(Exchange batch) throws InterruptedException {
        List<Exchange> records = KafkaOffsets.records(batch);
        if (records.isEmpty()) {
            return;
        }
        List<FulfillmentRequests.Sent> sent = new ArrayList<>(records.size());
        List<Throwable> failures = new ArrayList<>();
        // the feed the requests came from, for their dead letters (set on the poll's exchange by the route)
        String source = batch.getMessage().getHeader(HubHeaders.SOURCE, String.class);
        for (Exchange record : records) {
            Exchange done = sendOne(record, source);
            Throwable failure = done.getException();
            if (failure != null) {
                failures.add(failure);
            } else if (done.getProperty(Exchange.EXCEPTION_CAUGHT) == null) {
                sent.add(FulfillmentRequests.sentOf(done));
            }
            // else: failed for good, dead-lettered and on the order's timeline by the route's error configuration
        }
        StorageOutages.retryWhileAway(sent.size() + " fulfillment requests' bookkeeping", this::running, () -> {
            requests.sent(sent);
            return null;
        });
        if (!failures.isEmpty()) {
            throw StorageOutages.notAcknowledged(failures, records.size(), "fulfillment requests were neither sent nor dead-lettered");
        }
    }

    /** One request through the per-request route; while the database is away, tried again after a growing pause. */
    private Exchange sendOne(Exchange record, String source) throws InterruptedException {
        return StorageOutages.retryWhileAway("a fulfillment request", this::running, () -> {
            // a replay of its dead letter sends (and records) it again through the per-request route
            Exchange request = KafkaOffsets.forRecordRoute(record, ONE_ROUTE);
            request.setProperty(FulfillmentRequests.IN_BATCH, true);
            request.getMessage().setHeader(HubHeaders.SOURCE, source);
            Exchange done = producer.send(ONE, request);
            if (done.getException() != null && DeadLetters.isStorageUnavailable(done.getException())) {
                // no dead letter could be kept: the request waits for the database
                throw new IllegalStateException("the hub's database is unavailable", done.getException());
            }
            return done;
        });
    }

    private boolean running() {
        return producer.getCamelContext().isStarted();
    }
}
