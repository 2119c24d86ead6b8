package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.inventory.StockViews;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import io.omnihub.outbox.KafkaOutboxRelay;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingDecision;
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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.omnihub.canonical.OrderStatus.Status.RECEIVED;
import static io.omnihub.canonical.OrderStatus.Status.REJECTED;
import static io.omnihub.canonical.OrderStatus.Status.ROUTED;
import static io.omnihub.canonical.OrderStatus.Status.UNFULFILLABLE;

/**
 * Live order routing (bean {@code orderRouting}): builds the stock view from PostgreSQL, asks the
 * {@link OrderRouter}, and reserves the chosen units through {@link Reservations} in ONE transaction with the
 * order's status, decision, timeline and OrderStatus message (through the {@link OrderStore}), its reservation rows
 * and the fulfillment requests. A reservation that loses a race for stock rolls the whole attempt back (releasing what it
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
    public static final Set<OrderStatus.Status> NEW = Set.of(RECEIVED);
    /** Statuses the retry job and re-routing may route from. */
    public static final Set<OrderStatus.Status> PENDING = Set.of(RECEIVED, UNFULFILLABLE, REJECTED);

    /** What one routing call did. */
    public enum Result { ROUTED, UNFULFILLABLE, UNCHANGED }

    /** The result, the order's status afterwards and the decision taken (null when unchanged). */
    public record Outcome(String orderId, Result result, OrderStatus.Status status, RoutingDecision decision) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Reservations reservations;
    private final HoldAdoption holds;
    private final FulfillmentRequestWriter requests;
    private final StockViews views;
    private final OrderRouter router;
    private final PolicySource policies;
    private final OrderStore orders;
    private final KafkaOutboxRelay relay;
    private final RoutingMetrics metrics;
    private final FulfillmentProperties props;
    private final ObjectMapper mapper;
    private final PendingOrders pending;

    public OrderRouting(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, Reservations reservations, HoldAdoption holds,
                        FulfillmentRequestWriter requests, StockViews views,
                        OrderRouter router, PolicySource policies, OrderStore orders, KafkaOutboxRelay relay, RoutingMetrics metrics, FulfillmentProperties props, ObjectMapper mapper,
                        PendingOrders pending) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.reservations = reservations;
        this.holds = holds;
        this.requests = requests;
        this.views = views;
        this.router = router;
        this.policies = policies;
        this.orders = orders;
        this.relay = relay;
        this.metrics = metrics;
        this.props = props;
        this.mapper = mapper;
        this.pending = pending;
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
    public Outcome route(String orderId, Set<OrderStatus.Status> from) {
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
            ids = pending.find();
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

    /** The result of one attempt, with what to do after commit. */
    static final class Attempt {
        static final Attempt LOST = new Attempt(null);
        final Outcome outcome;
        final List<Long> publish = new ArrayList<>();
        Map<String, String> nodeTypes = Map.of();
        boolean newlyUnfulfillable;

        Attempt(Outcome outcome) {
            this.outcome = outcome;
        }
    }

    private Attempt attempt(String orderId, Set<OrderStatus.Status> from, TransactionStatus status) {
        MapSqlParameterSource id = new MapSqlParameterSource("id", orderId);
        OrderStore.StoredOrder row = orders.lock(orderId);
        if (!from.contains(row.status())) {
            return new Attempt(new Outcome(orderId, Result.UNCHANGED, row.status(), null));
        }
        CanonicalOrder order = read(row.payload());
        // the policy in force now (one cheap query): a new version applies to the next order on every instance
        PolicySource.Choice choice = policies.choose(order);
        RoutingPolicy policy = choice.policy();
        OrderRef ref = row.ref();
        int[] decisionNo = new int[1];
        Set<String> excluded = jdbc.query("""
                insert into order_routing (order_id) values (:id)
                on conflict (order_id) do update set order_id = excluded.order_id returning excluded_nodes, decisions""", id,
                (rs, i) -> {
                    // this decision's number: the requests of a later decision (after a rejection) are new requests
                    decisionNo[0] = rs.getInt(2) + 1;
                    return StockViews.strings(rs.getArray(1));
                }).get(0);

        if (row.status() == RECEIVED) {
            // an order converted from a hold takes the held reservations
            String holdId = jdbc.queryForList("select id from hold where order_id = :id and status = 'ACTIVE' limit 1 for update",
                    id, String.class).stream().findFirst().orElse(null);
            if (holdId != null) {
                HoldAdoption.Adopted adopted = holds.adopt(order, holdId, policy);
                if (adopted != null) {
                    return adopted(order, ref, adopted, decisionNo[0]);
                }
            }
        }

        // a new order has nothing reserved yet; a rejected or partly served one is routed for what is left
        CanonicalOrder remaining = row.status() == RECEIVED ? order : remainder(order);
        if (remaining.lines().isEmpty()) {
            Attempt a = new Attempt(new Outcome(orderId, Result.ROUTED, ROUTED, null));
            a.publish.add(orders.changeStatus(ref, ROUTED, null, null, null, null, "every line is already reserved"));
            return a;
        }
        Set<String> skus = remaining.lines().stream().map(OrderLine::sku).collect(Collectors.toCollection(LinkedHashSet::new));
        long mark = jdbc.queryForObject("select coalesce(max(id), 0) from ledger_entry where sku in (:skus)",
                new MapSqlParameterSource("skus", skus), Long.class);
        StockView view = views.build(ref.channel(), skus, excluded, policy.scoring().load() > 0);
        RoutingDecision routed = router.route(remaining, view, policy);
        RoutingDecision decision = choice.pilot() ? routed.asPilot() : routed;

        if (!decision.routed()) {
            orders.decide(orderId, decision);
            jdbc.update("""
                    update order_routing set decisions = decisions + 1, last_ledger_id = :mark,
                           unfulfillable_since = coalesce(unfulfillable_since, now()),
                           decision_seq = nextval('ledger_entry_id_seq'), updated_at = now() where order_id = :id""",
                    new MapSqlParameterSource("id", orderId).addValue("mark", mark));
            Attempt a = new Attempt(new Outcome(orderId, Result.UNFULFILLABLE, UNFULFILLABLE, decision));
            if (row.status() != UNFULFILLABLE) {
                a.publish.add(orders.changeStatus(ref, UNFULFILLABLE, null, null, null, decision.summary(), decision.summary()));
                a.newlyUnfulfillable = true;
            }
            return a;
        }

        // everything else first, the stock last: the reserved stock rows (hot for a popular sku) stay locked only
        // from the reservation to the commit
        reservations.insert(orderId, null, decision.shipments());
        orders.decide(orderId, decision);
        Attempt a = new Attempt(new Outcome(orderId, Result.ROUTED, ROUTED, decision));
        a.nodeTypes = view.nodes().values().stream().collect(Collectors.toMap(StockView.Node::id, n -> n.type().name()));
        finishRouted(order, ref, decision, decisionNo[0], a);
        if (!reservations.reserveAll(decision.shipments(), orderId)) {
            status.setRollbackOnly();
            return Attempt.LOST;
        }
        // last: the daily counts and the load are hot rows, so hold their locks for as short a time as possible
        if (!reservations.countDaily(ordersPerNode(decision), caps(decision, view, policy))) {
            status.setRollbackOnly();
            return Attempt.LOST;
        }
        reservations.addLoad(Reservations.rowsPerNode(decision.shipments()));
        decided(orderId);
        return a;
    }

    /** The decision's number for the order (its ROUTED count) and its place in the sequence of all decisions. */
    private void decided(String orderId) {
        jdbc.update("update order_routing set decisions = decisions + 1, unfulfillable_since = null, "
                + "decision_seq = nextval('ledger_entry_id_seq'), updated_at = now() where order_id = :id",
                new MapSqlParameterSource("id", orderId));
    }

    /** Writes the ROUTED status, timeline rows and fulfillment requests of a routed order. */
    private void finishRouted(CanonicalOrder order, OrderRef ref, RoutingDecision decision, int decisionNo, Attempt a) {
        String nodes = decision.shipments().stream().map(Shipment::nodeId).collect(Collectors.joining(","));
        a.publish.add(orders.changeStatus(ref, ROUTED, nodes, null, null, null, decision.summary()));
        a.publish.addAll(requests.write(requests.requests(order, ref, decision, decisionNo)));
    }

    /** One daily order per node the decision ships from. */
    static Map<String, Integer> ordersPerNode(RoutingDecision decision) {
        Map<String, Integer> perNode = new TreeMap<>();
        decision.shipments().forEach(s -> perNode.merge(s.nodeId(), 1, Integer::sum));
        return perNode;
    }

    /** The daily cap of each node the decision ships from: the policy's override, else the node's own (null: none). */
    static Map<String, Integer> caps(RoutingDecision decision, StockView view, RoutingPolicy policy) {
        Map<String, Integer> caps = new HashMap<>();
        for (Shipment s : decision.shipments()) {
            StockView.Node node = view == null ? null : view.nodes().get(s.nodeId());
            RoutingPolicy.NodeOverride o = policy.overrideFor(s.nodeId());
            caps.put(s.nodeId(), o != null && o.dailyOrderCap() != null ? o.dailyOrderCap() : node == null ? null : node.dailyOrderCap());
        }
        return caps;
    }

    /** A converted hold's order: its reservations are the held ones; it counts per node, without a cap (already held). */
    private Attempt adopted(CanonicalOrder order, OrderRef ref, HoldAdoption.Adopted adopted, int decisionNo) {
        RoutingDecision decision = adopted.decision();
        orders.decide(ref.orderId(), decision);
        Attempt a = new Attempt(new Outcome(ref.orderId(), Result.ROUTED, ROUTED, decision));
        a.nodeTypes = adopted.nodeTypes();
        finishRouted(order, ref, decision, decisionNo, a);
        reservations.countDaily(ordersPerNode(decision), Map.of());
        reservations.addLoad(adopted.loadPerNode());
        decided(ref.orderId());
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

    void afterCommit(Attempt a) {
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
     * Wakes the outbox relay for rows a transaction committed, so they go out now rather than at its next interval;
     * never waits for Kafka (the rows are durable already, and the relay publishes whatever it is not woken for).
     */
    void publish(List<Long> ids) {
        if (!ids.isEmpty()) {
            relay.publish(ids.get(ids.size() - 1));
        }
    }

    CanonicalOrder read(String payload) {
        try {
            return mapper.readValue(payload, CanonicalOrder.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored order payload is unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
