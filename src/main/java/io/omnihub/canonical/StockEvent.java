package io.omnihub.canonical;

import java.time.Instant;

/**
 * A change to the stock of one sku at one node. {@code eventId} is the source's own identifier and makes
 * redelivery harmless. For ADJUSTMENT {@code quantity} is a signed delta; for the other types it is a
 * non-negative count.
 */
public record StockEvent(
        String eventId,
        StockEventType type,
        String nodeId,
        String sku,
        int quantity,
        String reason,
        Instant occurredAt,
        String source) {
}
