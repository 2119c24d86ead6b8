package io.omnihub.channels;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every sales channel, by id ({@code omnihub.channels.<id>}): what it sends the hub (read by the inbound routes by
 * property name), its {@link ChannelSink}, its {@link Buffers} and its {@link ReadBack}. A channel of the
 * {@code channel} table with no sink type here is sent nothing.
 *
 * @param channels per channel id, its configuration
 */
@ConfigurationProperties(prefix = "omnihub")
public record ChannelsProperties(Map<String, Channel> channels) {

    public ChannelsProperties {
        channels = channels == null ? Map.of() : Map.copyOf(channels);
    }

    /** The configuration of one channel, or null. */
    public Channel channel(String id) {
        return channels.get(id);
    }

    /** The ids of the channels that have a sink type: the ones the sync computes figures for, in order. */
    public Set<String> withSink() {
        Set<String> ids = new TreeSet<>();
        channels.forEach((id, channel) -> {
            if (channel.sinkType() != null) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** The sinks configured, by channel id (a sink group without a type included). */
    public Map<String, ChannelSink> sinks() {
        Map<String, ChannelSink> sinks = new TreeMap<>();
        channels.forEach((id, channel) -> {
            if (channel.sink() != null) {
                sinks.put(id, channel.sink());
            }
        });
        return sinks;
    }

    /** The read-back of one channel, or null when the channel cannot be read back (no read-back route). */
    public ReadBack readBack(String id) {
        Channel channel = channels.get(id);
        return channel == null || channel.readBack() == null || !channel.readBack().hasRoute() ? null : channel.readBack();
    }

    /** The channels that can be read back. */
    public Set<String> readable() {
        Set<String> readable = new TreeSet<>();
        channels.keySet().forEach(id -> {
            if (readBack(id) != null) {
                readable.add(id);
            }
        });
        return readable;
    }
}
