package io.omnihub.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.outbox.Outbox;
import io.omnihub.routing.RoutingDecision;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The owner of the {@code orders} table and of what is written with an order's status: its timeline rows
 * ({@code order_event}) and the canonical {@link OrderStatus} messages (outbox, topic {@code omnihub.order-status.v1},
 * key order id). Other packages lock, load, decide and change orders through it, inside their own transaction;
 * writes return outbox ids so the caller can wake the relay after commit.
 * <p>
 * Two set-based writers stay in their classes, because one statement per batch is what makes them fast:
 * {@link OrderGroupCommit} inserts a batch of new orders with their lines, timeline rows and outbox rows in one
 * statement, and fulfillment's batch routing writes the timeline rows and outbox messages of a poll in one statement
 * each, interleaved with its fulfillment requests in the batch's order. The statuses and decisions of that batch are
 * written here ({@link #decideAll}). Read-only reports over many orders (the console's lists, counts and charts, the
 * metrics, simulations, the pilot comparison, the routing retry's search) query the table themselves.
 */
@Component
public class OrderStore {

    private final NamedParameterJdbcTemplate jdbc;
    private final Outbox outbox;
    private final ObjectMapper mapper;

    public OrderStore(NamedParameterJdbcTemplate jdbc, Outbox outbox, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** An order as stored: who it is, its status, and the canonical order as accepted (JSON). */
    public record StoredOrder(OrderRef ref, OrderStatus.Status status, String payload) {
    }

    /** An order's new status and the routing decision that led to it. */
    public record Decided(String orderId, OrderStatus.Status status, RoutingDecision decision) {
    }

    /** Locks the order for the caller's transaction and loads it; throws {@link NotFoundException} when it is not stored. */
    public StoredOrder lock(String orderId) {
        return jdbc.query("""
                        select id, channel, channel_order_id, status, payload::text from orders
                        where id = :id for update""",
                new MapSqlParameterSource("id", orderId), (rs, i) -> stored(rs)).stream().findFirst()
                .orElseThrow(() -> notStored(orderId));
    }

    /**
     * Locks the stored ones of {@code ids} in id order (so two callers holding some of the same orders never wait on
     * each other crosswise) and loads them, by id.
     */
    public Map<String, StoredOrder> lockAll(Collection<String> ids) {
        Map<String, StoredOrder> rows = new HashMap<>();
        jdbc.query("""
                select id, channel, channel_order_id, status, payload::text from orders
                where id = any(cast(:ids as text[])) order by id collate "C" for update""",
                new MapSqlParameterSource("ids", ids.toArray(String[]::new)), rs -> {
                    StoredOrder o = stored(rs);
                    rows.put(o.ref().orderId(), o);
                });
        return rows;
    }

    private static StoredOrder stored(ResultSet rs) throws SQLException {
        return new StoredOrder(new OrderRef(rs.getString(1), rs.getString(2), rs.getString(3)),
                OrderStatus.Status.valueOf(rs.getString(4)), rs.getString(5));
    }

    /** The answer when an order is not stored. */
    public static NotFoundException notStored(String orderId) {
        return new NotFoundException("order " + orderId + " is not stored in the hub");
    }

    /** The order's identity, without a lock; null when it is not stored. */
    public OrderRef ref(String orderId) {
        return jdbc.query("select id, channel, channel_order_id from orders where id = :id",
                new MapSqlParameterSource("id", orderId),
                (rs, i) -> new OrderRef(rs.getString(1), rs.getString(2), rs.getString(3))).stream().findFirst().orElse(null);
    }

    /** The order's status now, without a lock; empty when it is not stored. */
    public Optional<OrderStatus.Status> status(String orderId) {
        return jdbc.queryForList("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class)
                .stream().findFirst().map(OrderStatus.Status::valueOf);
    }

    /** Whether the order is stored. */
    public boolean exists(String orderId) {
        Integer n = jdbc.queryForObject("select count(*) from orders where id = :id",
                new MapSqlParameterSource("id", orderId), Integer.class);
        return n != null && n > 0;
    }

    /** The ones of {@code ids} that are stored. */
    public Set<String> existing(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.queryForList("select id from orders where id in (:ids)",
                new MapSqlParameterSource("ids", ids), String.class));
    }

    /** The hub id of the order a channel names by the hub's id or by its own order id; empty when none is stored. */
    public Optional<String> idOf(String channel, String orderId) {
        return jdbc.queryForList("select id from orders where id = :id or (channel = :channel and channel_order_id = :id)",
                new MapSqlParameterSource("id", orderId).addValue("channel", channel), String.class).stream().findFirst();
    }

    /**
     * The order's columns as the API and the console show them (the payload and decision as JSON text); null when
     * it is not stored.
     */
    public Map<String, Object> row(String orderId) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, channel, channel_order_id as "channelOrderId", status, fulfillment_type as "fulfillmentType",
                       placed_at as "placedAt", received_at as "receivedAt", updated_at as "updatedAt",
                       payload::text as payload, decision::text as decision
                from orders where id = :id""", new MapSqlParameterSource("id", orderId));
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The order's timeline, oldest first. */
    public List<Map<String, Object>> timeline(String orderId) {
        return jdbc.queryForList("select at, kind, detail from order_event where order_id = :id order by at, id",
                new MapSqlParameterSource("id", orderId));
    }

    /** Records the routing decision taken for the order (its status is changed apart). */
    public void decide(String orderId, RoutingDecision decision) {
        jdbc.update("update orders set decision = cast(:d as jsonb), updated_at = now() where id = :id",
                new MapSqlParameterSource("id", orderId).addValue("d", json(decision)));
    }

    /** Sets the status and decision of many orders with one statement. */
    public void decideAll(List<Decided> decided) {
        String[] ids = new String[decided.size()];
        String[] statuses = new String[decided.size()];
        String[] decisions = new String[decided.size()];
        for (int i = 0; i < decided.size(); i++) {
            ids[i] = decided.get(i).orderId();
            statuses[i] = decided.get(i).status().name();
            decisions[i] = json(decided.get(i).decision());
        }
        jdbc.update("""
                update orders o set status = d.status, decision = cast(d.decision as jsonb), updated_at = now()
                from unnest(cast(:ids as text[]), cast(:statuses as text[]), cast(:decisions as text[])) as d(id, status, decision)
                where o.id = d.id""",
                new MapSqlParameterSource("ids", ids).addValue("statuses", statuses).addValue("decisions", decisions));
    }

    /** Sets the order's status, appends the timeline row and writes the OrderStatus message; returns the outbox id. */
    public long changeStatus(OrderRef order, OrderStatus.Status status, String nodeId, String carrier, String tracking,
                             String reason, String detail) {
        jdbc.update("update orders set status = :status, updated_at = now() where id = :id",
                new MapSqlParameterSource("id", order.orderId()).addValue("status", status.name()));
        event(order.orderId(), status.name(), detail);
        return announce(order, status, nodeId, carrier, tracking, reason);
    }

    /** Writes an OrderStatus message without changing the stored status (a partial shipment, a refund); returns the outbox id. */
    public long announce(OrderRef order, OrderStatus.Status status, String nodeId, String carrier, String tracking, String reason) {
        return outbox.kafka(CanonicalTopics.ORDER_STATUS, order.orderId(), json(message(order, status, nodeId, carrier, tracking, reason)));
    }

    /** The OrderStatus message for a status change of {@code order}, now. */
    public static OrderStatus message(OrderRef order, OrderStatus.Status status, String nodeId, String carrier, String tracking,
                                      String reason) {
        return new OrderStatus(order.orderId(), order.channel(), order.channelOrderId(), status, Instant.now(), nodeId, carrier,
                tracking, reason);
    }

    /** Appends a timeline row. */
    public void event(String orderId, String kind, String detail) {
        jdbc.update("insert into order_event (order_id, kind, detail) values (:id, :kind, :detail)",
                new MapSqlParameterSource("id", orderId).addValue("kind", kind).addValue("detail", detail));
    }

    /** {@code value} as JSON, the way the store writes decisions and messages. */
    public String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
