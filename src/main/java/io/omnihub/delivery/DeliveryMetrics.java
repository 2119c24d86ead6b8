package io.omnihub.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters of the sync and delivery: {@code omnihub.sync.lag} (from the stock change to the channel's
 * acknowledgement, with percentiles, per channel), {@code omnihub.delivery.outcomes} (per channel and outcome:
 * delivered, retried, rate_limited, superseded, dead) and {@code omnihub.delivery.dead} (dead letters per channel).
 */
@Component
public class DeliveryMetrics {

    private final MeterRegistry registry;
    // one meter per channel (and outcome), looked up without going through the registry on every delivery: creating
    // or finding a meter there takes the registry's lock, and the lag timer's histogram makes that slow
    private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
    private final Map<String, Counter> dead = new ConcurrentHashMap<>();
    private final Map<String, Timer> lags = new ConcurrentHashMap<>();

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void outcome(String channel, String outcome) {
        outcomes.computeIfAbsent(channel + "|" + outcome, k -> Counter.builder("omnihub.delivery.outcomes")
                .description("Delivery attempts by channel and outcome")
                .tag("channel", channel).tag("outcome", outcome).register(registry)).increment();
        if ("dead".equals(outcome)) {
            dead.computeIfAbsent(channel, k -> Counter.builder("omnihub.delivery.dead")
                    .description("Deliveries that went dead after their last attempt")
                    .tag("channel", channel).register(registry)).increment();
        }
    }

    public void lag(String channel, Duration lag) {
        if (lag.isNegative()) {
            return;
        }
        lags.computeIfAbsent(channel, k -> Timer.builder("omnihub.sync.lag")
                .description("From a stock change to the channel's acknowledgement of the new figure")
                .tag("channel", channel).publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram()
                .register(registry)).record(lag);
    }
}
