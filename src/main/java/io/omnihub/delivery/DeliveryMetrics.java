package io.omnihub.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

import java.time.Duration;

/**
 * Micrometer meters of the sync and delivery: {@code omnihub.sync.lag} (from the stock change to the channel's
 * acknowledgement, with percentiles, per channel), {@code omnihub.delivery.outcomes} (per channel and outcome:
 * delivered, retried, rate_limited, superseded, dead) and {@code omnihub.delivery.dead} (dead letters per channel).
 */
@Component
public class DeliveryMetrics {

    private final MeterRegistry registry;

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void outcome(String channel, String outcome) {
        Counter.builder("omnihub.delivery.outcomes").description("Delivery attempts by channel and outcome")
                .tag("channel", channel).tag("outcome", outcome).register(registry).increment();
        if ("dead".equals(outcome)) {
            Counter.builder("omnihub.delivery.dead").description("Deliveries that went dead after their last attempt")
                    .tag("channel", channel).register(registry).increment();
        }
    }

    public void lag(String channel, Duration lag) {
        if (lag.isNegative()) {
            return;
        }
        Timer.builder("omnihub.sync.lag").description("From a stock change to the channel's acknowledgement of the new figure")
                .tag("channel", channel).publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
                .register(registry).record(lag);
    }
}
