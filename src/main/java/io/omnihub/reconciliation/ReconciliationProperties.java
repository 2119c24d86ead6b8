package io.omnihub.reconciliation;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;
import java.util.Map;

/**
 * Reconciliation ({@code omnihub.reconciliation.*}): which channels can be read back and how gently.
 *
 * @param pageSize          figures asked for per read-back page (small pages keep each call and each comparison short)
 * @param minPageIntervalMs the least time between two page requests of a run, so a run never floods a channel
 * @param maxWaitMs         the longest wait a Retry-After may impose before a page is asked for again
 * @param maxPageAttempts   attempts per page for failures other than a 429 (a 429 waits and does not count)
 * @param maxRateLimited    429 answers in a row for one page before the run gives up
 * @param channels          per channel id: its read-back route, schedule and whether drifts are only reported
 */
@ConfigurationProperties(prefix = "omnihub.reconciliation")
public record ReconciliationProperties(Integer pageSize, Long minPageIntervalMs, Long maxWaitMs, Integer maxPageAttempts,
                                       Integer maxRateLimited, Map<String, Channel> channels) {

    public ReconciliationProperties {
        pageSize = pageSize == null ? 500 : pageSize;
        minPageIntervalMs = minPageIntervalMs == null ? 50L : minPageIntervalMs;
        maxWaitMs = maxWaitMs == null ? 60_000L : maxWaitMs;
        maxPageAttempts = maxPageAttempts == null ? 5 : maxPageAttempts;
        maxRateLimited = maxRateLimited == null ? 50 : maxRateLimited;
        channels = channels == null ? Map.of() : Map.copyOf(channels);
    }

    /** The configuration of one channel, or null when the channel cannot be read back (no read-back route). */
    public Channel channel(String id) {
        Channel channel = channels.get(id);
        return channel == null || channel.route() == null || channel.route().isBlank() ? null : channel;
    }

    /** The channels that can be read back. */
    public java.util.Set<String> readable() {
        java.util.Set<String> readable = new java.util.TreeSet<>();
        channels.keySet().forEach(id -> {
            if (channel(id) != null) {
                readable.add(id);
            }
        });
        return readable;
    }

    /**
     * One channel that can be read back.
     *
     * @param route      the Camel endpoint answering one page of the channel's figures (declared in the channel's
     *                   route file, e.g. direct:channel-marketplace-inventory in routes/channel-marketplace.yaml)
     * @param interval   how often a run starts on its own; zero or absent: only on demand
     * @param reportOnly drifts are recorded but not repaired
     * @param pageSize   this channel's page size, when it differs from the default
     */
    public record Channel(String route, Duration interval, Boolean reportOnly, Integer pageSize) {

        public Channel {
            interval = interval == null ? Duration.ZERO : interval;
            reportOnly = reportOnly != null && reportOnly;
        }
    }
}
