package io.omnihub.cyclecount;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters of the cycle counts (Prometheus at {@code /actuator/prometheus}):
 * {@code omnihub.cycle.counts} (counts per node, outcome {@code within} or {@code outside} the tolerance),
 * {@code omnihub.cycle.count.variance.units} (units of variance per node) and {@code omnihub.inventory.accuracy}
 * (per node: counts within tolerance / counts, over the KPI window; refreshed whenever a count comes back).
 */
@Component
public class CycleCountMetrics {

    private final MeterRegistry registry;
    private final CycleCounts counts;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Double> accuracy = new ConcurrentHashMap<>();

    public CycleCountMetrics(MeterRegistry registry, CycleCounts counts) {
        this.registry = registry;
        this.counts = counts;
    }

    /** Counts that came back: counted, their variance, and every node's accuracy again. */
    public void counted(List<CycleCounts.Counted> matched) {
        for (CycleCounts.Counted c : matched) {
            counter("omnihub.cycle.counts", "Cycle counts by node and whether the count was within tolerance of the ledger",
                    c.nodeId(), "outcome", c.withinTolerance() ? "within" : "outside").increment();
            counter("omnihub.cycle.count.variance.units", "Units counted differently from the ledger (absolute)",
                    c.nodeId(), null, null).increment(Math.abs(c.variance()));
        }
        refresh();
    }

    /** Every node's accuracy, read again. */
    public void refresh() {
        counts.accuracy().forEach(a -> {
            if (a.accuracy() != null) {
                if (accuracy.put(a.nodeId(), a.accuracy()) == null) {
                    Gauge.builder("omnihub.inventory.accuracy", accuracy, m -> m.getOrDefault(a.nodeId(), Double.NaN))
                            .description("Counts within tolerance / counts, per node, over the KPI window")
                            .tag("node", a.nodeId()).register(registry);
                }
            }
        });
    }

    private Counter counter(String name, String description, String node, String tag, String value) {
        return counters.computeIfAbsent(name + "|" + node + "|" + value, k -> {
            Counter.Builder b = Counter.builder(name).description(description).tag("node", node);
            return (tag == null ? b : b.tag(tag, value)).register(registry);
        });
    }
}
