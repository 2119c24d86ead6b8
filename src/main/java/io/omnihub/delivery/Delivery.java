package io.omnihub.delivery;

import java.time.Instant;

/** One outbound delivery to a channel, as stored in the {@code delivery} table. */
public record Delivery(long id, String channel, Kind kind, String dedupeKey, String orderingKey, String payload,
                       Status status, int attempts, Instant nextAttemptAt, String lastError, Instant createdAt,
                       Instant deliveredAt, Instant eventAt, Long sequence) {

    /** What is delivered. */
    public enum Kind { ATS, ORDER_STATUS }

    /** Where a delivery stands. */
    public enum Status { PENDING, DELIVERED, DEAD, SUPERSEDED }
}
