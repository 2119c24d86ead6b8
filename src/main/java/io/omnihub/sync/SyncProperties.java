package io.omnihub.sync;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.Map;

/**
 * How each channel is kept in step ({@code omnihub.sync.*}): its sink type and address, its buffer rules and its
 * delivery limits. Channels in the {@code channel} table with no entry here are computed but not delivered to.
 *
 * @param batchSize      how many STOCK_CHANGED outbox rows one sync pass claims at most
 * @param pollIntervalMs how often the sync looks for changes committed by another hub (this hub's own wake it at once)
 * @param holdMs         how long one run of the sync route keeps waiting for and working off changes before it returns
 * @param channels       per channel id, its sink and rules
 */
@ConfigurationProperties(prefix = "omnihub.sync")
public record SyncProperties(Integer batchSize, Long pollIntervalMs, Long holdMs, Map<String, Channel> channels) {

    public SyncProperties {
        batchSize = batchSize == null ? 1000 : batchSize;
        pollIntervalMs = pollIntervalMs == null ? 50 : pollIntervalMs;
        holdMs = holdMs == null ? 1000 : holdMs;
        channels = channels == null ? Map.of() : Map.copyOf(channels);
    }

    /** The configuration of one channel, or null. */
    public Channel channel(String id) {
        return channels.get(id);
    }

    /** Sink types: how figures and order statuses reach a channel. */
    public enum SinkType { WEBHOOK, MARKETPLACE, KAFKA, SFTP_FEED }

    /**
     * One channel.
     *
     * @param type           the sink type
     * @param route          the Camel endpoint that delivers to the channel (a channel-*.yaml route), e.g. direct:channel-web
     * @param percent        percentage of the available stock the channel may see (default 100)
     * @param holdback       units held back from the channel (default 0)
     * @param cap            the most units ever exposed (default none)
     * @param skus           per-sku overrides of percent, holdback and cap
     * @param maxConcurrency deliveries in flight to the channel at once (default 8)
     * @param orderStatus    whether order status callbacks go to this channel's sink (default true)
     */
    public record Channel(SinkType type, String route, Integer percent, Integer holdback, Integer cap,
                          Map<String, BufferRules> skus, Integer maxConcurrency, Boolean orderStatus) {

        public Channel {
            skus = skus == null ? Map.of() : Map.copyOf(skus);
            maxConcurrency = maxConcurrency == null ? 8 : maxConcurrency;
            orderStatus = orderStatus == null || orderStatus;
        }

        /** The buffer rules for {@code sku}: its override's values where set, else the channel's. */
        public BufferRules rulesFor(String sku) {
            BufferRules base = new BufferRules(percent, holdback, cap);
            BufferRules override = skus.get(sku);
            return override == null ? base : override.over(base);
        }
    }
}
