package io.omnihub.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.canonical.Utf8;
import io.omnihub.channels.Channel;
import io.omnihub.channels.ChannelsProperties;
import io.omnihub.connectors.kafka.KafkaOffsets;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.deadletter.StorageOutages;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns an {@link OrderStatus} from {@code omnihub.order-status.v1} into a delivery to the selling channel (its
 * channel, else the stored order's). Channels whose sink does not take order statuses (a Kafka channel reads the
 * topic itself; a feed file carries stock only) or that are not configured are skipped. A redelivered status is
 * enqueued once. The consumer takes a poll at a time ({@link #enqueuePoll}): one transaction and one statement for
 * the poll's statuses, where one record at a time had cost a transaction, a lookup and an insert per status.
 */
@Component("orderStatusCallbacks")
public class OrderStatusCallbacks {

    /** The per-record route. */
    public static final String ONE = "direct:order-status-callback-one";
    static final String ONE_ROUTE = "order-status-callback-one";

    private static final Logger log = LoggerFactory.getLogger(OrderStatusCallbacks.class);

    /** What happened to a status. */
    public enum Outcome { ENQUEUED, DUPLICATE, NOT_FOR_A_SINK }

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final OrderStore orders;
    private final TransactionTemplate tx;
    private final Deliveries deliveries;
    private final ChannelsProperties channels;
    private final ProducerTemplate producer;

    public OrderStatusCallbacks(ObjectMapper mapper, SchemaValidator schemas, OrderStore orders, TransactionTemplate tx,
                                Deliveries deliveries, ChannelsProperties channels, ProducerTemplate producer) {
        this.mapper = mapper;
        this.schemas = schemas;
        this.orders = orders;
        this.tx = tx;
        this.deliveries = deliveries;
        this.channels = channels;
        this.producer = producer;
    }

    /** One status (the per-record route: an invalid record, or the records of a poll that failed together). */
    public Outcome enqueue(String json) {
        Deliveries.NewOrderStatus delivery = delivery(json);
        if (delivery == null) {
            return Outcome.NOT_FOR_A_SINK;
        }
        Integer added = tx.execute(s -> deliveries.enqueueOrderStatuses(List.of(delivery)));
        return added != null && added > 0 ? Outcome.ENQUEUED : Outcome.DUPLICATE;
    }

    /**
     * The statuses of a poll (the body: a list of exchanges, one per record) enqueued in one transaction with one
     * statement; kafka-batch-source commits their offsets when this returns. A record that is not a valid status (or
     * names no channel the hub knows), and every record of a poll that could not be enqueued together, goes through
     * the per-record route {@link #ONE} in the records' order, which retries and dead-letters as one record at a time
     * did. While the database is away the poll is tried again (the consumer waits here).
     */
    public void enqueuePoll(Exchange batch) throws InterruptedException {
        List<Exchange> records = KafkaOffsets.records(batch);
        if (records.isEmpty()) {
            return;
        }
        StorageOutages.retryWhileAway(records.size() + " order statuses", producer.getCamelContext()::isStarted, () -> {
            enqueueOnce(records);
            return null;
        });
    }

    private void enqueueOnce(List<Exchange> records) {
        List<Exchange> valid = new ArrayList<>(records.size());
        List<Exchange> singles = new ArrayList<>();
        List<Deliveries.NewOrderStatus> statuses = new ArrayList<>(records.size());
        for (Exchange record : records) {
            try {
                Object body = record.getMessage().getBody();
                Deliveries.NewOrderStatus delivery = delivery(body instanceof byte[] bytes ? Utf8.decode(bytes)
                        : record.getMessage().getBody(String.class));
                if (delivery != null) {
                    statuses.add(delivery);
                    valid.add(record);
                }
            } catch (RejectedMessageException refused) {
                // refused whatever the others do: the per-record route dead-letters it
                singles.add(record);
            }
        }
        try {
            tx.execute(s -> deliveries.enqueueOrderStatuses(statuses));
        } catch (RuntimeException e) {
            if (DeadLetters.isStorageUnavailable(e)) {
                throw e;
            }
            log.info("A poll of {} order statuses could not be enqueued together ({}); enqueueing them one by one",
                    statuses.size(), e.toString());
            singles.addAll(0, valid);
        }
        List<Exception> failures = new ArrayList<>();
        for (Exchange record : singles) {
            Exchange done = producer.send(ONE, KafkaOffsets.forRecordRoute(record, ONE_ROUTE));
            if (done.getException() != null) {
                failures.add(done.getException());
            }
        }
        if (!failures.isEmpty()) {
            throw StorageOutages.notAcknowledged(failures, records.size(), "order statuses were neither enqueued nor dead-lettered");
        }
    }

    /** The delivery a status makes, or null when its channel's sink takes no order statuses. */
    private Deliveries.NewOrderStatus delivery(String json) {
        OrderStatus status = parse(json);
        String channel = status.channel();
        String channelOrderId = status.channelOrderId();
        if (channel == null || channelOrderId == null) {
            OrderRef order = orders.ref(status.orderId());
            if (order != null) {
                channel = channel == null ? order.channel() : channel;
                channelOrderId = channelOrderId == null ? order.channelOrderId() : channelOrderId;
            }
        }
        if (channel == null) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                    "order status for " + status.orderId() + " names no channel and the order is unknown");
        }
        Channel config = channels.channel(channel);
        if (config == null || !config.takesOrderStatuses()) {
            return null;
        }
        OrderStatus completed = new OrderStatus(status.orderId(), channel, channelOrderId, status.status(), status.at(),
                status.nodeId(), status.carrier(), status.trackingNumber(), status.reason());
        String dedupeKey = status.orderId() + ":" + status.status() + (status.at() == null ? "" : ":" + status.at());
        // the order id the channel knows is its own
        String orderingKey = channelOrderId != null ? channelOrderId : status.orderId();
        return new Deliveries.NewOrderStatus(channel, dedupeKey, orderingKey, write(completed), status.at());
    }

    private OrderStatus parse(String json) {
        return schemas.read(json, SchemaValidator.ORDER_STATUS, OrderStatus.class, "an order status");
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
