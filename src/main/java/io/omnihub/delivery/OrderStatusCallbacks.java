package io.omnihub.delivery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.channels.Channel;
import io.omnihub.channels.ChannelsProperties;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Turns an {@link OrderStatus} from {@code omnihub.order-status.v1} into a delivery to the selling channel (its
 * channel, else the stored order's). Channels whose sink does not take order statuses (a Kafka channel reads the
 * topic itself; a feed file carries stock only) or that are not configured are skipped. A redelivered status is
 * enqueued once.
 */
@Component("orderStatusCallbacks")
public class OrderStatusCallbacks {

    /** What happened to a status. */
    public enum Outcome { ENQUEUED, DUPLICATE, NOT_FOR_A_SINK }

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final OrderStore orders;
    private final TransactionTemplate tx;
    private final Deliveries deliveries;
    private final ChannelsProperties channels;

    public OrderStatusCallbacks(ObjectMapper mapper, SchemaValidator schemas, OrderStore orders, TransactionTemplate tx,
                                Deliveries deliveries, ChannelsProperties channels) {
        this.mapper = mapper;
        this.schemas = schemas;
        this.orders = orders;
        this.tx = tx;
        this.deliveries = deliveries;
        this.channels = channels;
    }

    public Outcome enqueue(String json) {
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
            return Outcome.NOT_FOR_A_SINK;
        }
        OrderStatus completed = new OrderStatus(status.orderId(), channel, channelOrderId, status.status(), status.at(),
                status.nodeId(), status.carrier(), status.trackingNumber(), status.reason());
        String payload = write(completed);
        String dedupeKey = status.orderId() + ":" + status.status() + (status.at() == null ? "" : ":" + status.at());
        String target = channel;
        // the order id the channel knows is its own
        String orderingKey = channelOrderId != null ? channelOrderId : status.orderId();
        Boolean added = tx.execute(s -> deliveries.enqueueOrderStatus(target, orderingKey, dedupeKey, payload, status.at()));
        return Boolean.TRUE.equals(added) ? Outcome.ENQUEUED : Outcome.DUPLICATE;
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
