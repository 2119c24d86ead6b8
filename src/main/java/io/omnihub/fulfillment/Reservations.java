package io.omnihub.fulfillment;

import io.omnihub.inventory.StockLedger;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Shipment;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reservation stage, shared by order routing (one order or a batch) and holds: reserves stock through the
 * {@link StockLedger}, writes and finishes {@code reservation} rows, and keeps the two node counters routing reads
 * instead of counting rows: {@code node_load} (a node's ACTIVE reservation rows that belong to an order, the load
 * the score weighs) and {@code node_daily_orders} (orders routed to a node today, against its daily cap). Every
 * change of a reservation row goes through here, so the counters move in the same transaction as the rows they
 * count. All methods run in the caller's transaction.
 * <p>
 * Lock order (every writer): stock rows in (node, sku) order, then daily counters, then load counters, each in node
 * order, so two transactions never wait on each other's rows in opposite orders.
 */
@Component
public class Reservations {

    private final NamedParameterJdbcTemplate jdbc;
    private final StockLedger ledger;

    public Reservations(NamedParameterJdbcTemplate jdbc, StockLedger ledger) {
        this.jdbc = jdbc;
        this.ledger = ledger;
    }

    /** A reservation row that is being finished (released or shipped). */
    public record Finished(long id, String nodeId, boolean ofAnOrder) {
    }

    /**
     * Reserves every allocation of {@code shipments} through the ledger, summed per node and sku and taken in the
     * fixed (node, sku) order. Returns false at the first one that no longer fits (a lost race): the caller rolls
     * back.
     */
    public boolean reserveAll(List<Shipment> shipments, String reference) {
        for (Wanted w : wanted(shipments)) {
            if (!ledger.tryReserve(w.nodeId(), w.sku(), w.quantity(), w.safetyStock(), reference)) {
                return false;
            }
        }
        return true;
    }

    /** Units of a sku a decision takes at a node, with the safety stock its first allocation there was checked against. */
    public record Wanted(String nodeId, String sku, int quantity, int safetyStock) {
    }

    /** The allocations of {@code shipments} summed per node and sku, in the (node, sku) order every writer locks in. */
    public static List<Wanted> wanted(List<Shipment> shipments) {
        Map<String, Wanted> wanted = new TreeMap<>();
        for (Shipment s : shipments) {
            for (Allocation al : s.allocations()) {
                wanted.merge(s.nodeId() + "\u0000" + al.sku(), new Wanted(s.nodeId(), al.sku(), al.quantity(), al.safetyStock()),
                        (x, y) -> new Wanted(x.nodeId(), x.sku(), x.quantity() + y.quantity(), x.safetyStock()));
            }
        }
        return List.copyOf(wanted.values());
    }

    /**
     * Reservation rows, one per allocation, for an order or a hold. The load counters of an order's nodes are not
     * touched here: the caller counts them last ({@link #addLoad}), after the stock, in the lock order.
     */
    public void insert(String orderId, String holdId, List<Shipment> shipments) {
        List<MapSqlParameterSource> rows = new ArrayList<>();
        for (Shipment s : shipments) {
            for (Allocation al : s.allocations()) {
                rows.add(new MapSqlParameterSource("order", orderId).addValue("hold", holdId).addValue("line", al.lineNo())
                        .addValue("node", s.nodeId()).addValue("sku", al.sku()).addValue("q", al.quantity()));
            }
        }
        jdbc.batchUpdate("""
                insert into reservation (order_id, hold_id, line_no, node_id, sku, quantity, status, expires_at)
                values (:order, :hold, :line, :node, :sku, :q, 'ACTIVE', (select expires_at from hold where id = :hold))""",
                rows.toArray(MapSqlParameterSource[]::new));
    }

    /** Reservation rows an order's decision adds per node (what {@link #addLoad} counts). */
    public static Map<String, Integer> rowsPerNode(List<Shipment> shipments) {
        Map<String, Integer> perNode = new TreeMap<>();
        shipments.forEach(s -> perNode.merge(s.nodeId(), s.allocations().size(), Integer::sum));
        return perNode;
    }

    /**
     * Adds to the nodes' load counters (negative to take away), one statement per node in node order, sent as one
     * JDBC batch. A counter never goes below zero: a reservation row written before the counters existed, or by
     * hand, must not stop a cancellation.
     */
    public void addLoad(Map<String, Integer> deltaPerNode) {
        Map<String, Integer> sorted = new TreeMap<>(deltaPerNode);
        sorted.values().removeIf(v -> v == 0);
        if (sorted.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                insert into node_load (node_id, open_reservations) values (:node, greatest(:delta, 0))
                on conflict (node_id) do update set open_reservations = greatest(node_load.open_reservations + :delta, 0)""",
                sorted.entrySet().stream().map(e -> new MapSqlParameterSource("node", e.getKey()).addValue("delta", e.getValue()))
                        .toArray(MapSqlParameterSource[]::new));
    }

    /**
     * Counts orders against the nodes' daily counters for today, one statement per node in node order, sent as one
     * JDBC batch. With a cap for a node (null or absent: none), its count only grows while it stays within the cap;
     * returns false when any did not (a concurrent writer reached the cap first): the caller rolls back.
     */
    public boolean countDaily(Map<String, Integer> ordersPerNode, Map<String, Integer> capPerNode) {
        Map<String, Integer> sorted = new TreeMap<>(ordersPerNode);
        if (sorted.isEmpty()) {
            return true;
        }
        int[] counted = jdbc.batchUpdate("""
                insert into node_daily_orders (node_id, day, orders)
                select :node, current_date, :n where cast(:cap as integer) is null or :n <= cast(:cap as integer)
                on conflict (node_id, day) do update set orders = node_daily_orders.orders + :n
                where cast(:cap as integer) is null or node_daily_orders.orders + :n <= cast(:cap as integer)""",
                sorted.entrySet().stream().map(e -> new MapSqlParameterSource("node", e.getKey()).addValue("n", e.getValue())
                        .addValue("cap", capPerNode.get(e.getKey()), java.sql.Types.INTEGER)).toArray(MapSqlParameterSource[]::new));
        for (int c : counted) {
            if (c == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Sets ACTIVE reservation rows to {@code status} (RELEASED or SHIPPED) and takes them off their nodes' load.
     * The caller has moved their stock through the ledger.
     */
    public void finish(Collection<Finished> rows, String status) {
        if (rows.isEmpty()) {
            return;
        }
        jdbc.update("update reservation set status = :status, updated_at = now() where id in (:ids) and status = 'ACTIVE'",
                new MapSqlParameterSource("status", status).addValue("ids", rows.stream().map(Finished::id).toList()));
        Map<String, Integer> load = new TreeMap<>();
        rows.stream().filter(Finished::ofAnOrder).forEach(r -> load.merge(r.nodeId(), -1, Integer::sum));
        addLoad(load);
    }

    /**
     * A converted hold: its ACTIVE reservations become {@code orderId}'s (no expiry any more) and start counting in
     * their nodes' load. Returns the rows adopted per node.
     */
    public Map<String, Integer> adoptHold(String holdId, String orderId) {
        List<String> nodes = jdbc.queryForList("""
                update reservation set order_id = :order, expires_at = null, updated_at = now()
                where hold_id = :hold and status = 'ACTIVE' returning node_id""",
                new MapSqlParameterSource("hold", holdId).addValue("order", orderId), String.class);
        Map<String, Integer> perNode = new TreeMap<>();
        nodes.forEach(n -> perNode.merge(n, 1, Integer::sum));
        return perNode;
    }
}
