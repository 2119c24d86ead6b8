package io.omnihub.fulfillment;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.reference.ReferenceData;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.RoutingPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hold-adoption stage of routing: an order converted from a hold takes over the hold's reservations, so nothing
 * is reserved twice. Runs in the routing transaction, with the order and the hold locked by the caller.
 */
@Component
public class HoldAdoption {

    private static final Logger log = LoggerFactory.getLogger(HoldAdoption.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final Reservations reservations;
    private final ReferenceData references;

    public HoldAdoption(NamedParameterJdbcTemplate jdbc, Reservations reservations, ReferenceData references) {
        this.jdbc = jdbc;
        this.reservations = reservations;
        this.references = references;
    }

    /**
     * The decision of an adopted hold, the reservation rows per node that now count in the load, and the type of
     * each of those nodes (for the routing metrics).
     */
    public record Adopted(RoutingDecision decision, Map<String, Integer> loadPerNode, Map<String, String> nodeTypes) {
    }

    /** One held reservation row. */
    private record Held(String nodeId, String sku, int quantity, int lineNo) {
    }

    /**
     * Makes the held units {@code order}'s and returns the decision that says so, or null (nothing changed) when
     * the hold does not hold exactly the order's units per sku: the order is then routed normally. The caller
     * counts the daily orders and then the load of the adopted rows (the lock order).
     */
    public Adopted adopt(CanonicalOrder order, String holdId, RoutingPolicy policy) {
        MapSqlParameterSource h = new MapSqlParameterSource("hold", holdId).addValue("order", order.orderId());
        List<Held> held = jdbc.query("select node_id, sku, quantity, line_no from reservation where hold_id = :hold "
                        + "and status = 'ACTIVE' order by node_id, line_no", h,
                (rs, i) -> new Held(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4)));
        Map<String, Integer> heldBySku = new TreeMap<>();
        held.forEach(r -> heldBySku.merge(r.sku(), r.quantity(), Integer::sum));
        Map<String, Integer> needBySku = new TreeMap<>();
        order.lines().forEach(l -> needBySku.merge(l.sku(), l.quantity(), Integer::sum));
        if (!heldBySku.equals(needBySku)) {
            log.warn("Order {} does not match hold {} ({} vs {}): routing it normally", order.orderId(), holdId, needBySku, heldBySku);
            return null;
        }
        Map<String, Integer> adopted = reservations.adoptHold(holdId, order.orderId());
        jdbc.update("update hold set status = 'CONVERTED' where id = :hold", h);
        Map<String, List<Allocation>> byNode = new LinkedHashMap<>();
        held.forEach(r -> byNode.computeIfAbsent(r.nodeId(), k -> new ArrayList<>())
                .add(new Allocation(r.lineNo(), r.sku(), r.quantity(), 0)));
        List<Shipment> shipments = byNode.entrySet().stream()
                .map(e -> new Shipment(e.getKey(), "hold " + holdId, e.getValue())).toList();
        RoutingDecision decision = new RoutingDecision(order.orderId(), policy.version(), RoutingDecision.Outcome.ROUTED,
                shipments, List.of(), "Converted from hold " + holdId + ": the units held for the cart at "
                + String.join(", ", byNode.keySet()) + " became the order's.");
        return new Adopted(decision, adopted, references.nodeTypes(adopted.keySet()));
    }
}
