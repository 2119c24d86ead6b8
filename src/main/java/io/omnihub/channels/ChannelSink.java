package io.omnihub.channels;

/**
 * How figures and order statuses reach a channel ({@code omnihub.channels.<id>.sink}). The channel's route reads its
 * address by property name: {@code url}, {@code secret}, {@code auth-header} and {@code auth-value} for the HTTP
 * sinks, {@code directory} and {@code interval-ms} for a feed.
 *
 * @param type           the sink type
 * @param route          the Camel endpoint that delivers to the channel (a channel-*.yaml route), e.g. direct:channel-web
 * @param maxConcurrency deliveries in flight to the channel at once (default 8)
 * @param orderStatus    whether order status callbacks go to this channel's sink (default true)
 */
public record ChannelSink(SinkType type, String route, Integer maxConcurrency, Boolean orderStatus) {

    public ChannelSink {
        maxConcurrency = maxConcurrency == null ? 8 : maxConcurrency;
        orderStatus = orderStatus == null || orderStatus;
    }

    /** Whether the delivery pump sends this sink's deliveries: it has a type the pump sends and a route. */
    public boolean pumped() {
        return type != null && type.pumped() && route != null;
    }
}
