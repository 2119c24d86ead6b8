package io.omnihub.sync;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the inventory sync works off stock changes ({@code omnihub.sync.*}). Each channel's sink and buffers are part
 * of the channel ({@code omnihub.channels.<id>}, {@link io.omnihub.channels.ChannelsProperties}).
 *
 * @param batchSize      how many STOCK_CHANGED outbox rows one sync pass claims at most
 * @param pollIntervalMs how often the sync looks for changes committed by another hub (this hub's own wake it at once)
 * @param holdMs         how long one run of the sync route keeps waiting for and working off changes before it returns
 */
@ConfigurationProperties(prefix = "omnihub.sync")
public record SyncProperties(Integer batchSize, Long pollIntervalMs, Long holdMs) {

    public SyncProperties {
        batchSize = batchSize == null ? 1000 : batchSize;
        pollIntervalMs = pollIntervalMs == null ? 50 : pollIntervalMs;
        holdMs = holdMs == null ? 1000 : holdMs;
    }
}
