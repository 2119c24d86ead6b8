package io.omnihub.canonical;

import java.time.Instant;

/**
 * A node's confirmation that an order (or its part at that node) left with a carrier. {@code shipmentId} is the
 * source's own identifier and makes redelivery harmless. Published on {@link CanonicalTopics#SHIPMENTS}, keyed by
 * order id; the order lifecycle consumes it (the order becomes SHIPPED and the channel is told).
 */
public record Shipment(
        String shipmentId,
        String orderId,
        String nodeId,
        String carrier,
        String trackingNumber,
        Instant shippedAt,
        String source) {
}
