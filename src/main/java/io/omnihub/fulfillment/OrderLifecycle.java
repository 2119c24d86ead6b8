package io.omnihub.fulfillment;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.inventory.StockLedger;
import io.omnihub.orders.OrderStore;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.omnihub.canonical.OrderStatus.Status.CANCELLED;
import static io.omnihub.canonical.OrderStatus.Status.REJECTED;
import static io.omnihub.canonical.OrderStatus.Status.SHIPPED;

/**
 * What happens to an order after routing (bean {@code orderLifecycle}, called from routes and the API): a node
 * ships it, a node rejects it, or it is cancelled. Each is one transaction that moves the stock through the
 * {@link StockLedger}, updates the reservations, and changes the order through the {@link OrderStore} (status,
 * timeline, OrderStatus message); each is idempotent, so a repeated call has no second effect.
 */
@Component("orderLifecycle")
public class OrderLifecycle {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final OrderStore orders;
    private final OrderRouting routing;
    private final Reservations reservations;
    private final RoutingMetrics metrics;
    private final RejectionReasons reasons;

    public OrderLifecycle(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, StockLedger ledger,
                          OrderStore orders, OrderRouting routing, Reservations reservations,
                          RoutingMetrics metrics, RejectionReasons reasons) {
        this.reservations = reservations;
        this.reasons = reasons;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.orders = orders;
        this.routing = routing;
        this.metrics = metrics;
    }

    /** What a lifecycle call did: the order's status afterwards, and whether anything changed. */
    public record Change(String orderId, OrderStatus.Status status, boolean changed, String detail) {
    }

    private record Res(long id, String nodeId, String sku, int quantity, Integer lineNo) {
        /** Every row here is an order's (selected by order id): it counts in its node's load. */
        Reservations.Finished finished() {
            return new Reservations.Finished(id, nodeId, true);
        }
    }

    /**
     * The node shipped its part of the order: the reserved units leave the node's stock, the reservations become
     * SHIPPED, and OrderStatus SHIPPED (with carrier and tracking number) is published. The order is SHIPPED once
     * no part of it is still reserved. A repeated notice changes nothing.
     */
    public Change shipped(String orderId, String nodeId, String carrier, String trackingNumber) {
        List<Long> publish = new ArrayList<>();
        Change change = tx.execute(s -> {
            OrderStore.StoredOrder order = orders.lock(orderId);
            List<Res> active = reservations(orderId, nodeId, "ACTIVE");
            if (active.isEmpty()) {
                if (!reservations(orderId, nodeId, "SHIPPED").isEmpty()) {
                    return new Change(orderId, order.status(), false, "already shipped from " + nodeId);
                }
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                        "order " + orderId + " has nothing reserved at node " + nodeId + " to ship");
            }
            for (Res r : active) {
                ledger.ship(r.nodeId(), r.sku(), r.quantity(), orderId);
            }
            reservations.finish(active.stream().map(Res::finished).toList(), "SHIPPED");
            String detail = nodeId + " shipped " + describe(active) + " with " + carrier + " " + trackingNumber;
            Integer left = jdbc.queryForObject("select count(*) from reservation where order_id = :id and status = 'ACTIVE'",
                    new MapSqlParameterSource("id", orderId), Integer.class);
            if (left == 0) {
                publish.add(orders.changeStatus(order.ref(), SHIPPED, nodeId, carrier, trackingNumber, null, detail));
                return new Change(orderId, SHIPPED, true, detail);
            }
            orders.event(orderId, "PARTLY_SHIPPED", detail);
            publish.add(orders.announce(order.ref(), SHIPPED, nodeId, carrier, trackingNumber,
                    "part of the order; more shipments follow"));
            return new Change(orderId, order.status(), true, detail);
        });
        routing.publish(publish);
        return change;
    }

    /** Cancels the order: every active reservation is released, OrderStatus CANCELLED. Repeating it changes nothing. */
    public Change cancel(String orderId, String reason) {
        List<Long> publish = new ArrayList<>();
        Change change = tx.execute(s -> {
            OrderStore.StoredOrder order = orders.lock(orderId);
            if (order.status() == CANCELLED) {
                return new Change(orderId, CANCELLED, false, "already cancelled");
            }
            if (order.status() == SHIPPED) {
                throw new IllegalStateException("order " + orderId + " has shipped and can no longer be cancelled");
            }
            List<Res> active = reservations(orderId, null, "ACTIVE");
            release(orderId, active, "cancelled: " + reason);
            String detail = "cancelled" + (reason == null ? "" : " (" + reason + ")")
                    + (active.isEmpty() ? "" : "; released " + describe(active));
            publish.add(orders.changeStatus(order.ref(), CANCELLED, null, null, null, reason, detail));
            return new Change(orderId, CANCELLED, true, detail);
        });
        routing.publish(publish);
        metrics.cancellation();
        return change;
    }

    /**
     * A node cannot fulfil (part of) the order, for example the store cannot find the item: its reservations for
     * the order are released, the stock of the rejected line (or every line it held) is flagged for a cycle count,
     * the node is excluded for this order, OrderStatus REJECTED is published, and the released part is routed
     * again without that node. A repeated rejection changes nothing.
     */
    public Change reject(String orderId, String nodeId, Integer lineNo, String reason) {
        List<Long> publish = new ArrayList<>();
        Change change = tx.execute(s -> {
            OrderStore.StoredOrder order = orders.lock(orderId);
            List<Res> active = reservations(orderId, nodeId, "ACTIVE");
            if (active.isEmpty()) {
                Boolean excluded = jdbc.queryForObject("select exists (select 1 from order_routing where order_id = :id "
                        + "and :node = any(excluded_nodes))", new MapSqlParameterSource("id", orderId).addValue("node", nodeId), Boolean.class);
                if (Boolean.TRUE.equals(excluded)) {
                    return new Change(orderId, order.status(), false, nodeId + " already rejected this order");
                }
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                        "order " + orderId + " has nothing reserved at node " + nodeId + " to reject");
            }
            if (lineNo != null && active.stream().noneMatch(r -> lineNo.equals(r.lineNo()))) {
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                        "order " + orderId + " has no line " + lineNo + " reserved at node " + nodeId);
            }
            String why = reason == null || reason.isBlank() ? "rejected by the node" : reason;
            release(orderId, active, "rejected by " + nodeId + ": " + why);
            Set<String> flagged = new LinkedHashSet<>();
            List<RejectionReasons.Rejected> rejected = new ArrayList<>();
            active.stream().filter(r -> lineNo == null || lineNo.equals(r.lineNo())).forEach(r -> {
                flagged.add(r.sku());
                rejected.add(new RejectionReasons.Rejected(r.sku(), r.quantity(), r.lineNo()));
            });
            // the reason's configured effect on stock (not found, damaged, no capacity; else a count is flagged)
            String effect = reasons.apply(orderId, nodeId, lineNo, why, rejected);
            jdbc.update("insert into order_routing (order_id) values (:id) on conflict do nothing", new MapSqlParameterSource("id", orderId));
            jdbc.update("update order_routing set excluded_nodes = array_append(excluded_nodes, :node), updated_at = now() "
                    + "where order_id = :id and not (:node = any(excluded_nodes))", new MapSqlParameterSource("id", orderId).addValue("node", nodeId));
            String detail = nodeId + " rejected " + (lineNo == null ? "the order" : "line " + lineNo) + ": " + why
                    + "; released " + describe(active) + "; " + effect;
            publish.add(orders.changeStatus(order.ref(), REJECTED, nodeId, null, null, why, detail));
            return new Change(orderId, REJECTED, true, detail);
        });
        routing.publish(publish);
        if (!change.changed()) {
            return change;
        }
        metrics.rejection();
        OrderRouting.Outcome again = routing.route(orderId, Set.of(REJECTED));
        return new Change(orderId, again.status(), true, change.detail()
                + (again.decision() == null ? "" : "; routed again: " + again.decision().summary()));
    }

    private void release(String orderId, List<Res> reservations, String reason) {
        for (Res r : reservations) {
            ledger.release(r.nodeId(), r.sku(), r.quantity(), orderId, reason);
        }
        this.reservations.finish(reservations.stream().map(Res::finished).toList(), "RELEASED");
    }

    private List<Res> reservations(String orderId, String nodeId, String status) {
        return jdbc.query("""
                select id, node_id, sku, quantity, line_no from reservation
                where order_id = :id and status = :status and (cast(:node as text) is null or node_id = :node)
                order by node_id, sku, id for update""",
                new MapSqlParameterSource("id", orderId).addValue("status", status).addValue("node", nodeId),
                (rs, i) -> new Res(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), (Integer) rs.getObject(5)));
    }

    static String describe(List<Res> rs) {
        List<String> parts = new ArrayList<>();
        rs.forEach(r -> parts.add(r.quantity() + " x " + r.sku() + " at " + r.nodeId()));
        return String.join(", ", parts);
    }
}
