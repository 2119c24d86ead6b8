package io.omnihub.fulfillment;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * Routing's Micrometer meters: orders routed per node type, split orders, unfulfillable orders, reservation
 * conflicts (lost races for stock), rejections and cancellations.
 */
@Component
public class RoutingMetrics {

    private final MeterRegistry registry;
    private final Counter split;
    private final Counter unfulfillable;
    private final Counter conflicts;
    private final Counter rejections;
    private final Counter cancellations;

    public RoutingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.split = Counter.builder("omnihub.routing.orders.split").description("orders split across nodes").register(registry);
        this.unfulfillable = Counter.builder("omnihub.routing.orders.unfulfillable")
                .description("orders found unfulfillable (held and retried when stock arrives)").register(registry);
        this.conflicts = Counter.builder("omnihub.routing.reservation.conflicts")
                .description("reservations that lost a race for stock and were re-routed").register(registry);
        this.rejections = Counter.builder("omnihub.routing.rejections").description("node rejections").register(registry);
        this.cancellations = Counter.builder("omnihub.routing.cancellations").description("orders cancelled").register(registry);
    }

    /** One shipment routed to a node of this type. */
    public void routed(String nodeType) {
        registry.counter("omnihub.routing.orders.routed", "node_type", nodeType).increment();
    }

    public void split() {
        split.increment();
    }

    public void unfulfillable() {
        unfulfillable.increment();
    }

    public void conflict() {
        conflicts.increment();
    }

    public void rejection() {
        rejections.increment();
    }

    public void cancellation() {
        cancellations.increment();
    }

    public double conflicts() {
        return conflicts.count();
    }
}
