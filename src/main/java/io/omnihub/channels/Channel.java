package io.omnihub.channels;

/**
 * One sales channel ({@code omnihub.channels.<id>}). Its inbound settings (the webhook secret its orders are signed
 * with, a marketplace's order poll) sit beside these groups and are read by the inbound routes by property name.
 *
 * @param sink     how figures and order statuses reach the channel; null: none are sent
 * @param buffers  the share of the stock the channel sees; null: all of it
 * @param readBack how the reconciliation reads the figures the channel shows; null: it cannot
 */
public record Channel(ChannelSink sink, Buffers buffers, ReadBack readBack) {

    /** The sink type, or null when the channel has no sink. */
    public SinkType sinkType() {
        return sink == null ? null : sink.type();
    }

    /** The buffer rules for {@code sku}: its override's values where set, else the channel's. */
    public BufferRules rulesFor(String sku) {
        return buffers == null ? Buffers.NONE : buffers.rulesFor(sku);
    }

    /** Whether order statuses go to this channel's sink: its type takes them and the channel has not turned them off. */
    public boolean takesOrderStatuses() {
        return sink != null && sink.type() != null && sink.type().takesOrderStatuses() && sink.orderStatus();
    }
}
