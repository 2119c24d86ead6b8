package io.omnihub.reconciliation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters of the reconciliation (Prometheus at {@code /actuator/prometheus}):
 * {@code omnihub.reconciliation.drifts} (drifts found, per channel and cause; its increase over a day is the drift
 * per channel per day), {@code omnihub.reconciliation.repair} (from finding a drift to the channel's acknowledgement
 * of its corrective figure, per channel; its mean is the mean time to repair) and {@code omnihub.reconciliation.runs}
 * (runs per channel and outcome).
 */
@Component
public class ReconciliationMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> repairs = new ConcurrentHashMap<>();

    public ReconciliationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void drift(String channel, DriftCause cause) {
        counters.computeIfAbsent("drift|" + channel + "|" + cause, k -> Counter.builder("omnihub.reconciliation.drifts")
                .description("Drifts found between what a channel shows and what the hub says it should")
                .tag("channel", channel).tag("cause", cause.name()).register(registry)).increment();
    }

    public void run(String channel, String outcome) {
        counters.computeIfAbsent("run|" + channel + "|" + outcome, k -> Counter.builder("omnihub.reconciliation.runs")
                .description("Reconciliation runs by channel and outcome")
                .tag("channel", channel).tag("outcome", outcome).register(registry)).increment();
    }

    public void repaired(String channel, Duration took) {
        if (took.isNegative()) {
            return;
        }
        repairs.computeIfAbsent(channel, k -> Timer.builder("omnihub.reconciliation.repair")
                .description("From finding a drift to the channel's acknowledgement of the corrective figure")
                .tag("channel", channel).publishPercentiles(0.5, 0.95).register(registry)).record(took);
    }
}
