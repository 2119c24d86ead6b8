package io.omnihub.canonical;

import java.time.Instant;

/** A change of an order's state, told to the selling channel. */
public record OrderStatus(
        String orderId,
        String channel,
        String channelOrderId,
        Status status,
        Instant at,
        String nodeId,
        String carrier,
        String trackingNumber,
        String reason) {

    public enum Status {
        RECEIVED,
        ROUTED,
        UNFULFILLABLE,
        REJECTED,
        CANCELLED,
        SHIPPED,
        REFUND_READY
    }
}
