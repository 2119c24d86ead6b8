package io.omnihub.delivery;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Delivery limits ({@code omnihub.delivery.*}).
 *
 * @param maxAttempts       attempts before a delivery is DEAD
 * @param baseBackoffMs     the delay after the first failed attempt; doubled after each further one
 * @param maxBackoffMs      the longest delay between attempts
 * @param leaseMs           how long a claimed delivery is reserved for the dispatcher sending it (a killed hub's
 *                          claims expire after this and are sent again)
 * @param breakerFailures   consecutive failures that open a channel's circuit breaker
 * @param breakerOpenMs     how long an open breaker stays open before one trial delivery is let through
 * @param batchSize         deliveries claimed per channel and claim at most
 * @param pollIntervalMs    how often each channel's pump looks for due deliveries it was not woken for (retries that
 *                          came due, deliveries enqueued by another hub)
 */
@ConfigurationProperties(prefix = "omnihub.delivery")
public record DeliveryProperties(Integer maxAttempts, Long baseBackoffMs, Long maxBackoffMs, Long leaseMs,
                                 Integer breakerFailures, Long breakerOpenMs, Integer batchSize,
                                 Long pollIntervalMs) {

    public DeliveryProperties {
        maxAttempts = maxAttempts == null ? 10 : maxAttempts;
        baseBackoffMs = baseBackoffMs == null ? 500L : baseBackoffMs;
        maxBackoffMs = maxBackoffMs == null ? 300_000L : maxBackoffMs;
        leaseMs = leaseMs == null ? 60_000L : leaseMs;
        breakerFailures = breakerFailures == null ? 5 : breakerFailures;
        breakerOpenMs = breakerOpenMs == null ? 10_000L : breakerOpenMs;
        batchSize = batchSize == null ? 100 : batchSize;
        pollIntervalMs = pollIntervalMs == null ? 50L : pollIntervalMs;
    }
}
