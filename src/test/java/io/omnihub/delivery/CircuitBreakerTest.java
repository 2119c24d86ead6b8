package io.omnihub.delivery;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class CircuitBreakerTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    final ManualClock clock = new ManualClock();
    final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(10), clock);

    @Test
    void shouldLetEverythingThroughWhileClosed() {
        assertThat(breaker.permits(4)).isEqualTo(4);
        breaker.onFailure();
        breaker.onFailure();
        breaker.onSuccess();
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.state()).as("failures must be consecutive").isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.permits(4)).isEqualTo(4);
    }

    @Test
    void shouldOpenAfterConsecutiveFailuresAndLetNothingThroughUntilTheOpenPeriodEnds() {
        breaker.onFailure();
        breaker.onFailure();
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.permits(4)).isZero();
        clock.advance(Duration.ofSeconds(9));
        assertThat(breaker.permits(4)).isZero();
    }

    @Test
    void shouldLetOneTrialThroughWhenHalfOpenAndCloseOnItsSuccess() {
        open();
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.permits(4)).as("one trial").isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(breaker.permits(4)).as("no second trial while the first is out").isZero();
        breaker.onSuccess();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.permits(4)).isEqualTo(4);
    }

    @Test
    void shouldReopenWhenTheTrialFails() {
        open();
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.permits(4)).isEqualTo(1);
        breaker.onFailure();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.permits(4)).isZero();
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.permits(4)).isEqualTo(1);
    }

    @Test
    void shouldGiveBackAnUnusedTrial() {
        open();
        clock.advance(Duration.ofSeconds(10));
        assertThat(breaker.permits(4)).isEqualTo(1);
        breaker.unused(1);
        assertThat(breaker.permits(4)).as("the trial can be taken again when something is due").isEqualTo(1);
    }

    private void open() {
        for (int i = 0; i < 3; i++) {
            breaker.onFailure();
        }
    }
}
