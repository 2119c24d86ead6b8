package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.inventory.StockLedger;
import io.omnihub.outbox.KafkaOutboxRelay;
import io.omnihub.outbox.Outbox;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.PolicySource;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.StockView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Live order routing (bean {@code orderRouting}): builds the stock view from PostgreSQL, asks the
 * {@link OrderRouter}, and reserves the chosen units through the {@link StockLedger} in ONE transaction with the
 * order's status, its reservation rows, the decision, the timeline and the outbox messages (OrderStatus and the
 * fulfillment requests). A reservation that loses a race for stock rolls the whole attempt back (releasing what it
 * took) and routes again on fresh figures, a bounded number of times; nothing is ever oversold.
 * <p>
 * The order row is locked for the attempt and only orders in a routable status are routed, so a redelivered
 * order message, two hub instances or the retry job never route the same order twice. What is routed is the
 * order's remainder: the lines (or units) not already reserved or shipped, so after a node rejection only that
 * node's part is routed again.
 */
@Component("orderRouting")
public class OrderRouting {

    private static final Logger log = LoggerFactory.getLogger(OrderRouting.class);

    /** Statuses an order message (first routing) may route from. */
    public static final Set<String> NEW = Set.of("RECEIVED");
    /** Statuses the retry job and re-routing may route from. */
    public static final Set<String> PENDING = Set.of("RECEIVED", "UNFULFILLABLE", "REJECTED");

    /** What one routing call did. */
    public enum Result { ROUTED, UNFULFILLABLE, UNCHANGED }

    /** The result, the order's status afterwards and the decision taken (null when unchanged). */
    public record Outcome(String orderId, Result result, String status, RoutingDecision decision) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final StockViews views;
    private final OrderRouter router;
    private final PolicySource policies;
    private final OrderTimeline timeline;
    private final Outbox outbox;
    private final KafkaOutboxRelay relay;
    private final RoutingMetrics metrics;
    private final FulfillmentProperties props;
    private final ObjectMapper mapper;
    private final java.util.concurrent.ThreadPoolExecutor publisher = new java.util.concurrent.ThreadPoolExecutor(1, 1,
            0, java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1000), r -> {
                Thread t = new Thread(r, "routing-outbox-publisher");
                t.setDaemon(true);
                return t;
            }, new java.util.concurrent.ThreadPoolExecutor.AbortPolicy());

    public OrderRouting(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, StockLedger ledger, StockViews views,
                        OrderRouter router, PolicySource policies, OrderTimeline timeline, Outbox outbox,
                        KafkaOutboxRelay relay, RoutingMetrics metrics, FulfillmentProperties props, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.views = views;
        this.router = router;
        this.policies = policies;
        this.timeline = timeline;
        this.outbox = outbox;
        this.relay = relay;
        this.metrics = metrics;
        this.props = props;
        this.mapper = mapper;
    }

    /** Camel entry point for a record of {@code omnihub.orders.v1}: the key is the hub order id. */
    public Outcome onOrderMessage(String key, String body) {
        String orderId = key;
        if (orderId == null || orderId.isBlank()) {
            try {
                orderId = mapper.readTree(body).path("orderId").asText(null);
            } catch (JsonProcessingException e) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "order message is not JSON: " + e.getOriginalMessage());
            }
        }
        if (orderId == null) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "order message has neither a key nor an orderId");
        }
        return route(orderId, NEW);
    }

    /** Routes an order that is new, unfulfillable or rejected; an order in any other status is left unchanged. */
    public Outcome route(String orderId) {
        return route(orderId, PENDING);
    }

    /** Routes {@code orderId} when its status is one of {@code from}. */
    public Outcome route(String orderId, Set<String> from) {
        for (int attempt = 1; attempt <= props.maxAttempts(); attempt++) {
            Attempt a;
            try {
                a = tx.execute(status -> attempt(orderId, from, status));
            } catch (PessimisticLockingFailureException e) {
                a = Attempt.LOST;
            }
            if (a == Attempt.LOST) {
                metrics.conflict();
                continue;
            }
            afterCommit(a);
            return a.outcome;
        }
        throw new IllegalStateException("order " + orderId + ": lost the race for stock " + props.maxAttempts()
                + " times in a row; it stays pending and is routed again");
    }

    /** Retries unfulfillable orders whose skus gained availability, and orders left unrouted (e.g. after a crash). */
    @Scheduled(fixedDelayString = "${omnihub.fulfillment.retry-interval-ms:2000}",
            initialDelayString = "${omnihub.fulfillment.retry-interval-ms:2000}")
    public void retryPending() {
        List<String> ids;
        try {
            ids = jdbc.queryForList("""
                    select o.id from orders o join order_routing r on r.order_id = o.id
                    where o.status = 'UNFULFILLABLE' and exists (
                        select 1 from order_line l join ledger_entry e on e.sku = l.sku
                        where l.order_id = o.id and e.id > r.last_ledger_id and (e.on_hand_delta > 0 or e.reserved_delta < 0))
                    union
                    select o.id from orders o where o.status in ('RECEIVED', 'REJECTED')
                      and o.updated_at < now() - make_interval(secs => :stuck)
                    limit :batch""",
                    new MapSqlParameterSource("batch", props.retryBatch()).addValue("stuck", props.stuckAfterSeconds()),
                    String.class);
        } catch (RuntimeException e) {
            log.warn("Routing retry could not look for pending orders, will try again: {}", e.getMessage());
            return;
        }
        for (String id : ids) {
            try {
                Outcome o = route(id, PENDING);
                if (o.result() == Result.ROUTED) {
                    log.info("Order {} routed on retry: {}", id, o.decision().summary());
                }
            } catch (RuntimeException e) {
                log.warn("Routing retry of order {} failed, will try again: {}", id, e.getMessage());
            }
        }
    }

    private record OrderRow(String status, String channel, String channelOrderId, String payload, String holdId) {
    }

    /** The result of one attempt, with what to do after commit. */
    private static final class Attempt {
        static final Attempt LOST = new Attempt(null);
        final Outcome outcome;
        final List<Long> publish = new ArrayList<>();
        Map<String, String> nodeTypes = Map.of();
        boolean newlyUnfulfillable;

        Attempt(Outcome outcome) {
            this.outcome = outcome;
        }
    }

    private Attempt attempt(String orderId, Set<String> from, TransactionStatus status) {
        MapSqlParameterSource id = new MapSqlParameterSource("id", orderId);
        OrderRow row = jdbc.query("""
                        select o.status, o.channel, o.channel_order_id, o.payload::text as payload,
                               (select h.id from hold h where h.order_id = o.id and h.status = 'ACTIVE' limit 1) as hold_id
                        from orders o where o.id = :id for update of o""",
                id, (rs, i) -> new OrderRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)))
                .stream().findFirst().orElseThrow(() -> new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                        "order " + orderId + " is not stored in the hub"));
        if (!from.contains(row.status())) {
            return new Attempt(new Outcome(orderId, Result.UNCHANGED, row.status(), null));
        }
        CanonicalOrder order = read(row.payload());
        // the policy in force now (one cheap query): a new version applies to the next order on every instance
        PolicySource.Choice choice = policies.choose(order);
        RoutingPolicy policy = choice.policy();
        OrderTimeline.OrderRef ref = new OrderTimeline.OrderRef(orderId, row.channel(), row.channelOrderId());
        Set<String> excluded = jdbc.query("""
                insert into order_routing (order_id) values (:id)
                on conflict (order_id) do update set order_id = excluded.order_id returning excluded_nodes""", id,
                (rs, i) -> StockViews.strings(rs.getArray(1))).get(0);

        if (row.status().equals("RECEIVED") && row.holdId() != null) {
            String holdId = jdbc.queryForList("select id from hold where id = :h and status = 'ACTIVE' for update",
                    new MapSqlParameterSource("h", row.holdId()), String.class).stream().findFirst().orElse(null);
            if (holdId != null) {
                Attempt adopted = adoptHold(order, ref, holdId, policy);
                if (adopted != null) {
                    return adopted;
                }
            }
        }

        // a new order has nothing reserved yet; a rejected or partly served one is routed for what is left
        CanonicalOrder remaining = row.status().equals("RECEIVED") ? order : remainder(order);
        if (remaining.lines().isEmpty()) {
            Attempt a = new Attempt(new Outcome(orderId, Result.ROUTED, "ROUTED", null));
            a.publish.add(timeline.status(ref, OrderStatus.Status.ROUTED, null, null, null, null, "every line is already reserved"));
            return a;
        }
        Set<String> skus = remaining.lines().stream().map(OrderLine::sku).collect(Collectors.toCollection(LinkedHashSet::new));
        long mark = jdbc.queryForObject("select coalesce(max(id), 0) from ledger_entry where sku in (:skus)",
                new MapSqlParameterSource("skus", skus), Long.class);
        StockView view = views.build(row.channel(), skus, excluded, policy.scoring().load() > 0);
        RoutingDecision routed = router.route(remaining, view, policy);
        RoutingDecision decision = choice.pilot() ? routed.asPilot() : routed;

        if (!decision.routed()) {
            jdbc.update("update orders set decision = cast(:d as jsonb), updated_at = now() where id = :id",
                    new MapSqlParameterSource("id", orderId).addValue("d", timeline.json(decision)));
            jdbc.update("""
                    update order_routing set decisions = decisions + 1, last_ledger_id = :mark,
                           unfulfillable_since = coalesce(unfulfillable_since, now()), updated_at = now() where order_id = :id""",
                    new MapSqlParameterSource("id", orderId).addValue("mark", mark));
            Attempt a = new Attempt(new Outcome(orderId, Result.UNFULFILLABLE, "UNFULFILLABLE", decision));
            if (!row.status().equals("UNFULFILLABLE")) {
                a.publish.add(timeline.status(ref, OrderStatus.Status.UNFULFILLABLE, null, null, null,
                        decision.summary(), decision.summary()));
                a.newlyUnfulfillable = true;
            }
            return a;
        }

        // everything else first, the stock last: the reserved stock rows (hot for a popular sku) stay locked only
        // from the reservation to the commit
        insertReservations(orderId, null, decision.shipments());
        jdbc.update("update orders set decision = cast(:d as jsonb) where id = :id",
                new MapSqlParameterSource("id", orderId).addValue("d", timeline.json(decision)));
        Attempt a = new Attempt(new Outcome(orderId, Result.ROUTED, "ROUTED", decision));
        a.nodeTypes = view.nodes().values().stream().collect(Collectors.toMap(StockView.Node::id, n -> n.type().name()));
        finishRouted(order, ref, decision, a);
        if (!reserveAll(decision.shipments(), orderId)) {
            status.setRollbackOnly();
            return Attempt.LOST;
        }
        // last: the daily counts are hot rows, so hold their locks for as short a time as possible
        if (!countDaily(decision, view, true, policy)) {
            status.setRollbackOnly();
            return Attempt.LOST;
        }
        return a;
    }

    /** Writes the ROUTED status, timeline rows, fulfillment requests and routing state of a routed order. */
    private void finishRouted(CanonicalOrder order, OrderTimeline.OrderRef ref, RoutingDecision decision, Attempt a) {
        String nodes = decision.shipments().stream().map(Shipment::nodeId).collect(Collectors.joining(","));
        a.publish.add(timeline.status(ref, OrderStatus.Status.ROUTED, nodes, null, null, null, decision.summary()));
        Map<String, String> sinks = new HashMap<>();
        jdbc.query("select id, sink from node where id in (:ids)",
                new MapSqlParameterSource("ids", decision.shipments().stream().map(Shipment::nodeId).toList()),
                rs -> {
                    sinks.put(rs.getString(1), rs.getString(2));
                });
        Integer n = jdbc.queryForObject("update order_routing set decisions = decisions + 1, unfulfillable_since = null, "
                + "updated_at = now() where order_id = :id returning decisions", new MapSqlParameterSource("id", ref.orderId()), Integer.class);
        for (Shipment s : decision.shipments()) {
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("requestId", ref.orderId() + "-" + s.nodeId() + "-" + n);
            request.put("orderId", ref.orderId());
            request.put("channel", ref.channel());
            request.put("channelOrderId", ref.channelOrderId());
            request.put("nodeId", s.nodeId());
            request.put("sink", sinks.getOrDefault(s.nodeId(), "NONE"));
            request.put("fulfillmentType", order.fulfillmentType());
            request.put("pickupStore", order.pickupStore());
            request.put("customer", order.customer());
            request.put("shipTo", order.shipTo());
            request.put("lines", s.allocations().stream()
                    .map(al -> Map.of("lineNo", al.lineNo(), "sku", al.sku(), "quantity", al.quantity())).toList());
            request.put("requestedAt", Instant.now());
            a.publish.add(outbox.kafka(props.requestsTopic(), s.nodeId(), timeline.json(request)));
            timeline.event(ref.orderId(), "FULFILLMENT_REQUESTED", s.nodeId() + " (" + request.get("sink") + "): "
                    + s.allocations().stream().map(al -> al.quantity() + " x " + al.sku()).collect(Collectors.joining(", ")));
        }
    }

    /** Counts the order against each chosen node's daily cap; false when a cap was reached meanwhile. */
    private boolean countDaily(RoutingDecision decision, StockView view, boolean enforceCap, RoutingPolicy policy) {
        for (Shipment s : decision.shipments()) {
            StockView.Node node = view == null ? null : view.nodes().get(s.nodeId());
            RoutingPolicy.NodeOverride o = policy.overrideFor(s.nodeId());
            Integer cap = o != null && o.dailyOrderCap() != null ? o.dailyOrderCap() : node == null ? null : node.dailyOrderCap();
            int updated = jdbc.update("""
                    insert into node_daily_orders (node_id, day, orders) values (:node, current_date, 1)
                    on conflict (node_id, day) do update set orders = node_daily_orders.orders + 1
                    where cast(:cap as integer) is null or node_daily_orders.orders < cast(:cap as integer)""",
                    new MapSqlParameterSource("node", s.nodeId()).addValue("cap", enforceCap ? cap : null));
            if (updated == 0) {
                return false;
            }
        }
        return true;
    }

    /** A converted hold: its reservations become the order's, nothing is reserved twice. Null when they do not match. */
    private Attempt adoptHold(CanonicalOrder order, OrderTimeline.OrderRef ref, String holdId, RoutingPolicy policy) {
        MapSqlParameterSource h = new MapSqlParameterSource("hold", holdId).addValue("order", ref.orderId());
        List<Object[]> held = jdbc.query("select node_id, sku, quantity, line_no from reservation where hold_id = :hold "
                        + "and status = 'ACTIVE' order by node_id, line_no", h,
                (rs, i) -> new Object[] {rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4)});
        Map<String, Integer> heldBySku = new TreeMap<>();
        held.forEach(r -> heldBySku.merge((String) r[1], (Integer) r[2], Integer::sum));
        Map<String, Integer> needBySku = new TreeMap<>();
        order.lines().forEach(l -> needBySku.merge(l.sku(), l.quantity(), Integer::sum));
        if (!heldBySku.equals(needBySku)) {
            log.warn("Order {} does not match hold {} ({} vs {}): routing it normally", ref.orderId(), holdId, needBySku, heldBySku);
            return null;
        }
        jdbc.update("update reservation set order_id = :order, expires_at = null, updated_at = now() "
                + "where hold_id = :hold and status = 'ACTIVE'", h);
        jdbc.update("update hold set status = 'CONVERTED' where id = :hold", h);
        Map<String, List<Allocation>> byNode = new LinkedHashMap<>();
        held.forEach(r -> byNode.computeIfAbsent((String) r[0], k -> new ArrayList<>())
                .add(new Allocation((Integer) r[3], (String) r[1], (Integer) r[2], 0)));
        List<Shipment> shipments = byNode.entrySet().stream()
                .map(e -> new Shipment(e.getKey(), "hold " + holdId, e.getValue())).toList();
        RoutingDecision decision = new RoutingDecision(ref.orderId(), policy.version(), RoutingDecision.Outcome.ROUTED,
                shipments, List.of(), "Converted from hold " + holdId + ": the units held for the cart at "
                + String.join(", ", byNode.keySet()) + " became the order's.");
        jdbc.update("update orders set decision = cast(:d as jsonb) where id = :order",
                h.addValue("d", timeline.json(decision)));
        Attempt a = new Attempt(new Outcome(ref.orderId(), Result.ROUTED, "ROUTED", decision));
        a.nodeTypes = jdbc.query("select id, type from node where id in (:ids)", new MapSqlParameterSource("ids", byNode.keySet()),
                (rs, i) -> Map.entry(rs.getString(1), rs.getString(2))).stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        finishRouted(order, ref, decision, a);
        countDaily(decision, null, false, policy);
        return a;
    }

    /** The order less what is already reserved or shipped for it, line by line. */
    private CanonicalOrder remainder(CanonicalOrder order) {
        Map<Integer, Integer> taken = new HashMap<>();
        jdbc.query("select line_no, sum(quantity) from reservation where order_id = :id and status in ('ACTIVE', 'SHIPPED') "
                + "group by line_no", new MapSqlParameterSource("id", order.orderId()), rs -> {
            taken.put(rs.getInt(1), rs.getInt(2));
        });
        if (taken.isEmpty()) {
            return order;
        }
        List<OrderLine> lines = new ArrayList<>();
        for (OrderLine l : order.lines()) {
            int left = l.quantity() - taken.getOrDefault(l.lineNo(), 0);
            if (left > 0) {
                lines.add(new OrderLine(l.lineNo(), l.sku(), left, l.unitPrice()));
            }
        }
        return new CanonicalOrder(order.orderId(), order.channel(), order.channelOrderId(), order.placedAt(),
                order.customer(), order.shipTo(), order.fulfillmentType(), order.pickupStore(), lines, order.currency());
    }

    /**
     * Reserves every allocation of {@code shipments} through the ledger, summed per node and sku and taken in a fixed
     * (node, sku) order so two transactions never wait on each other's rows in opposite orders. Returns false at the
     * first one that no longer fits (a lost race): the caller rolls back.
     */
    boolean reserveAll(List<Shipment> shipments, String reference) {
        Map<String, int[]> wanted = new TreeMap<>();
        for (Shipment s : shipments) {
            for (Allocation al : s.allocations()) {
                wanted.merge(s.nodeId() + "\u0000" + al.sku(), new int[] {al.quantity(), al.safetyStock()},
                        (x, y) -> new int[] {x[0] + y[0], x[1]});
            }
        }
        for (Map.Entry<String, int[]> w : wanted.entrySet()) {
            String[] key = w.getKey().split("\u0000");
            if (!ledger.tryReserve(key[0], key[1], w.getValue()[0], w.getValue()[1], reference)) {
                return false;
            }
        }
        return true;
    }

    /** Reservation rows, one per allocation, for an order or a hold. */
    void insertReservations(String orderId, String holdId, List<Shipment> shipments) {
        for (Shipment s : shipments) {
            for (Allocation al : s.allocations()) {
                jdbc.update("""
                        insert into reservation (order_id, hold_id, line_no, node_id, sku, quantity, status, expires_at)
                        values (:order, :hold, :line, :node, :sku, :q, 'ACTIVE',
                                (select expires_at from hold where id = :hold))""",
                        new MapSqlParameterSource("order", orderId).addValue("hold", holdId).addValue("line", al.lineNo())
                                .addValue("node", s.nodeId()).addValue("sku", al.sku()).addValue("q", al.quantity()));
            }
        }
    }

    private void afterCommit(Attempt a) {
        Outcome o = a.outcome;
        if (o.result() == Result.ROUTED && o.decision() != null) {
            o.decision().shipments().forEach(s -> metrics.routed(a.nodeTypes.getOrDefault(s.nodeId(), "UNKNOWN")));
            if (o.decision().split()) {
                metrics.split();
            }
        }
        if (a.newlyUnfulfillable) {
            metrics.unfulfillable();
            log.warn("ALERT order {} is unfulfillable and held for a retry when stock arrives: {}", o.orderId(),
                    o.decision().summary());
        }
        publish(a.publish);
    }

    /**
     * Hands committed outbox rows to a background publisher, so routing never waits for Kafka; whatever it cannot
     * take (queue full) or fails to send is published by the relay's own schedule.
     */
    void publish(List<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            publisher.execute(() -> {
                for (Long id : ids) {
                    try {
                        relay.publish(id);
                    } catch (RuntimeException e) {
                        log.debug("Outbox row {} left to the relay: {}", id, e.getMessage());
                        return;
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // busy: the relay's schedule publishes them
        }
    }

    @jakarta.annotation.PreDestroy
    void stopPublisher() {
        publisher.shutdownNow();
    }

    private CanonicalOrder read(String payload) {
        try {
            return mapper.readValue(payload, CanonicalOrder.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored order payload is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
