package io.omnihub.delivery;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void shouldDoubleTheNominalDelayUpToTheMaximum() {
        Backoff backoff = new Backoff(500, 5_000, bound -> 0);
        assertThat(backoff.nominalMs(1)).isEqualTo(500);
        assertThat(backoff.nominalMs(2)).isEqualTo(1_000);
        assertThat(backoff.nominalMs(4)).isEqualTo(4_000);
        assertThat(backoff.nominalMs(5)).isEqualTo(5_000);
        assertThat(backoff.nominalMs(500)).as("no overflow").isEqualTo(5_000);
    }

    @Test
    void shouldJitterBetweenHalfAndTheWholeNominalDelay() {
        assertThat(new Backoff(500, 5_000, bound -> 0).delayMs(3)).isEqualTo(1_000);
        assertThat(new Backoff(500, 5_000, bound -> bound - 1).delayMs(3)).isEqualTo(2_000);
        Backoff random = new Backoff(500, 5_000, bound -> java.util.concurrent.ThreadLocalRandom.current().nextLong(bound));
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            long d = random.delayMs(3);
            assertThat(d).isBetween(1_000L, 2_000L);
            seen.merge(d, 1, Integer::sum);
        }
        assertThat(seen.size()).as("delays spread out").isGreaterThan(50);
    }

    @Test
    void shouldRefuseANonsensicalConfiguration() {
        assertThatThrownBy(() -> new Backoff(0, 10, b -> 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(100, 10, b -> 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrAnHttpDate() {
        assertThat(DeliveryDispatcher.retryAfterMs(Map.of("Retry-After", "3"), 99)).isEqualTo(3_000);
        assertThat(DeliveryDispatcher.retryAfterMs(Map.of("retry-after", " 0 "), 99)).isZero();
        assertThat(DeliveryDispatcher.retryAfterMs(Map.of(), 99)).isEqualTo(99);
        assertThat(DeliveryDispatcher.retryAfterMs(Map.of("Retry-After", "soon"), 99)).isEqualTo(99);
        String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
        assertThat(DeliveryDispatcher.retryAfterMs(Map.of("Retry-After", inTenSeconds), 99)).isBetween(8_000L, 10_000L);
    }
}
