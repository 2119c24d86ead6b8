package io.omnihub.channels;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelsPropertiesTest {

    /** The channels as application.yaml writes them, inbound settings beside the groups. */
    static ChannelsProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bind("omnihub", ChannelsProperties.class).get();
    }

    static final Map<String, String> CHANNELS = Map.ofEntries(
            Map.entry("omnihub.channels.web.webhook-secret", "s"),
            Map.entry("omnihub.channels.web.sink.type", "WEBHOOK"),
            Map.entry("omnihub.channels.web.sink.route", "direct:channel-web"),
            Map.entry("omnihub.channels.web.sink.url", "http://web"),
            Map.entry("omnihub.channels.web.read-back.route", "direct:channel-web-inventory"),
            Map.entry("omnihub.channels.web.read-back.interval", "15m"),
            Map.entry("omnihub.channels.web.read-back.page-size", "2"),
            Map.entry("omnihub.channels.marketplace.sink.type", "MARKETPLACE"),
            Map.entry("omnihub.channels.marketplace.sink.route", "direct:channel-marketplace"),
            Map.entry("omnihub.channels.marketplace.sink.max-concurrency", "4"),
            Map.entry("omnihub.channels.marketplace.buffers.percent", "90"),
            Map.entry("omnihub.channels.marketplace.buffers.holdback", "2"),
            Map.entry("omnihub.channels.marketplace.buffers.skus.SKU-1.cap", "4"),
            Map.entry("omnihub.channels.marketplace.read-back.route", "direct:channel-marketplace-inventory"),
            Map.entry("omnihub.channels.marketplace.read-back.report-only", "true"),
            Map.entry("omnihub.channels.pos.webhook-secret", "p"),
            Map.entry("omnihub.channels.pos.sink.type", "KAFKA"),
            Map.entry("omnihub.channels.pos.sink.route", "direct:channel-pos"),
            Map.entry("omnihub.channels.pos.read-back.route", ""),
            Map.entry("omnihub.channels.feed.sink.type", "SFTP_FEED"),
            Map.entry("omnihub.channels.feed.sink.directory", "feeds/affiliate"),
            Map.entry("omnihub.channels.feed.sink.order-status", "false"),
            Map.entry("omnihub.channels.door.webhook-secret", "d"));

    @Test
    void shouldBindEachChannelsSinkBuffersAndReadBackFromOneTree() {
        ChannelsProperties channels = bind(CHANNELS);

        ChannelSink marketplace = channels.channel("marketplace").sink();
        assertThat(marketplace.type()).isEqualTo(SinkType.MARKETPLACE);
        assertThat(marketplace.route()).isEqualTo("direct:channel-marketplace");
        assertThat(marketplace.maxConcurrency()).isEqualTo(4);
        assertThat(channels.channel("web").sink().maxConcurrency()).as("default").isEqualTo(8);
        assertThat(channels.channel("marketplace").rulesFor("SKU-2").apply(20)).isEqualTo(16);
        assertThat(channels.channel("marketplace").rulesFor("SKU-1").apply(20)).as("90%, less 2, cap 4").isEqualTo(4);
        assertThat(channels.channel("web").rulesFor("SKU-1").apply(20)).as("no buffers").isEqualTo(20);
        assertThat(channels.readBack("web").interval()).isEqualTo(Duration.ofMinutes(15));
        assertThat(channels.readBack("web").pageSize()).isEqualTo(2);
        assertThat(channels.readBack("marketplace").reportOnly()).isTrue();
    }

    @Test
    void shouldComputeAndDeliverOnlyToChannelsWithASinkType() {
        ChannelsProperties channels = bind(CHANNELS);

        assertThat(channels.withSink()).containsExactly("feed", "marketplace", "pos", "web");
        assertThat(channels.sinks().keySet()).containsExactly("feed", "marketplace", "pos", "web");
        assertThat(channels.channel("door") == null || channels.channel("door").sinkType() == null)
                .as("a channel that only sends the hub webhooks has no sink").isTrue();
    }

    @Test
    void shouldReadBackOnlyChannelsWhoseReadBackNamesARoute() {
        ChannelsProperties channels = bind(CHANNELS);

        assertThat(channels.readable()).containsExactly("marketplace", "web");
        assertThat(channels.readBack("pos")).as("blank route").isNull();
        assertThat(channels.readBack("feed")).as("no read-back").isNull();
        assertThat(channels.readBack("nowhere")).isNull();
    }

    @Test
    void shouldLetTheSinkTypeSayWhatItTakes() {
        ChannelsProperties channels = bind(CHANNELS);

        assertThat(channels.channel("web").sink().pumped()).isTrue();
        assertThat(channels.channel("pos").sink().pumped()).isTrue();
        assertThat(channels.channel("feed").sink().pumped()).as("written in batches by its own route").isFalse();
        assertThat(new ChannelSink(SinkType.WEBHOOK, null, null, null).pumped()).as("no route").isFalse();

        assertThat(channels.channel("web").takesOrderStatuses()).isTrue();
        assertThat(channels.channel("marketplace").takesOrderStatuses()).isTrue();
        assertThat(channels.channel("pos").takesOrderStatuses()).as("reads the status topic itself").isFalse();
        assertThat(channels.channel("feed").takesOrderStatuses()).as("stock only").isFalse();
        assertThat(new Channel(new ChannelSink(SinkType.WEBHOOK, "direct:x", null, false), null, null).takesOrderStatuses())
                .as("turned off").isFalse();
        assertThat(new Channel(null, null, null).takesOrderStatuses()).isFalse();
    }
}
