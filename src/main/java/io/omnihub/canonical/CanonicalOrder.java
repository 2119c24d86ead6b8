package io.omnihub.canonical;

import java.time.Instant;
import java.util.List;

/**
 * An order from any channel, in the hub's own shape. {@code orderId} is assigned by the hub at intake
 * (deterministically from channel and channel order id), the rest comes from the channel's mapping.
 */
public record CanonicalOrder(
        String orderId,
        String channel,
        String channelOrderId,
        Instant placedAt,
        Customer customer,
        Address shipTo,
        FulfillmentType fulfillmentType,
        String pickupStore,
        List<OrderLine> lines,
        String currency) {

    public CanonicalOrder withOrderId(String id) {
        return new CanonicalOrder(id, channel, channelOrderId, placedAt, customer, shipTo, fulfillmentType,
                pickupStore, lines, currency);
    }

    public int totalUnits() {
        return lines.stream().mapToInt(OrderLine::quantity).sum();
    }
}
