package io.omnihub.channels;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BufferRulesTest {

    @Test
    void shouldApplyPercentThenHoldbackThenCap() {
        assertThat(new BufferRules(90, 2, null).apply(20)).isEqualTo(16);
        assertThat(new BufferRules(90, null, null).apply(9)).as("rounded down").isEqualTo(8);
        assertThat(new BufferRules(null, null, 5).apply(20)).isEqualTo(5);
        assertThat(new BufferRules(50, 1, 3).apply(100)).isEqualTo(3);
        assertThat(new BufferRules(null, null, null).apply(7)).isEqualTo(7);
    }

    @Test
    void shouldNeverGoNegative() {
        assertThat(new BufferRules(100, 5, null).apply(3)).isZero();
        assertThat(new BufferRules(null, null, null).apply(-4)).isZero();
    }

    @Test
    void shouldLetAPerSkuOverrideReplaceOnlyWhatItSets() {
        Channel channel = new Channel(new ChannelSink(SinkType.WEBHOOK, "direct:x", null, null),
                new Buffers(90, 2, null, Map.of("SKU-1", new BufferRules(null, 0, 4))), null);
        assertThat(channel.rulesFor("SKU-2").apply(20)).isEqualTo(16);
        assertThat(channel.rulesFor("SKU-1").apply(20)).as("90%, no holdback, cap 4").isEqualTo(4);
        assertThat(channel.rulesFor("SKU-1").apply(3)).isEqualTo(2);
    }

    @Test
    void shouldRefuseImpossibleRules() {
        assertThatThrownBy(() -> new BufferRules(120, null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BufferRules(null, -1, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
