package io.omnihub.canonical;

import java.time.Instant;

/**
 * The quantity of a sku a channel may sell, after the channel's buffers. {@code sequence} grows with
 * every figure computed for the same channel and sku, so a receiver can drop a stale one.
 */
public record AvailableToSell(String channel, String sku, int available, Instant asOf, long sequence) {
}
