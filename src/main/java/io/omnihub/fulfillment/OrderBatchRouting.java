package io.omnihub.fulfillment;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.inventory.StockLedger;
import io.omnihub.inventory.StockViews;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import io.omnihub.outbox.Outbox;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.PolicySource;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.StockView;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Routes many new orders (a Kafka poll) in ONE transaction, deciding each exactly as {@link OrderRouting} would if
 * they were routed one after the other in the given order:
 * <ol>
 *   <li>lock the orders (only RECEIVED ones are routed: a redelivered order has no second effect);</li>
 *   <li>read the policy in force, the channels' nodes with their daily and load counters, and the stock rows of
 *       every sku of the batch once, locked in the (node, sku) order every writer uses;</li>
 *   <li>run the stateless {@link OrderRouter} for each order in turn against that view, deducting what each order
 *       reserves and counting its daily orders and load, so a later order sees what an earlier one took;</li>
 *   <li>write everything with set-based statements: reservations, one guarded stock update per (node, sku) with the
 *       summed quantity, a ledger entry per order and row, decisions, statuses, timeline rows, outbox rows (one
 *       STOCK_CHANGED per sku), fulfillment requests, daily counters (guarded by the caps) and load counters.</li>
 * </ol>
 * The orders are locked, and their statuses and decisions written, through the {@link OrderStore}; the timeline rows
 * and outbox messages stay here as one statement each, because the status rows and the fulfillment requests
 * interleave in the batch's order (the outbox ids give the order the relay publishes in).
 * <p>
 * A guard that does not hold (a figure changed under a lock the batch did not take, such as a daily counter a
 * concurrent writer moved) throws {@link GuardMismatch}: the transaction rolls back and the caller routes the orders
 * one by one. Every decision takes a number from the ledger entries' sequence in the batch's order, after the
 * batch's ledger entries: the order a replay must follow, among the stock changes. Orders converted from a hold are left to the one-by-one path (hold adoption).
 */
@Component
public class OrderBatchRouting {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OrderBatchRouting.class);

    /** A guarded write found its figures changed: the batch rolls back and its orders are routed one by one. */
    public static class GuardMismatch extends RuntimeException {
        public GuardMismatch(String message) {
            super(message);
        }
    }

    /**
     * What a batch did: each decided or unchanged order's outcome (in the batch's order), the ids that are not
     * stored in the hub, and the ids left to the one-by-one path (converted holds).
     */
    public record Result(List<OrderRouting.Outcome> outcomes, List<String> notStored, List<String> oneByOne) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final Reservations reservations;
    private final StockViews views;
    private final OrderRouter router;
    private final PolicySource policies;
    private final OrderStore orders;
    private final FulfillmentRequestWriter requests;
    private final OrderRouting routing;
    private final Outbox outbox;

    public OrderBatchRouting(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, StockLedger ledger, Reservations reservations,
                             StockViews views, OrderRouter router, PolicySource policies, OrderStore orders,
                             FulfillmentRequestWriter requests, OrderRouting routing, Outbox outbox) {
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.reservations = reservations;
        this.views = views;
        this.router = router;
        this.policies = policies;
        this.orders = orders;
        this.requests = requests;
        this.routing = routing;
    }

    /** Routes {@code orderIds} (distinct, in the order they came) together; see the class comment. */
    public Result route(List<String> orderIds) {
        return route(orderIds, null);
    }

    /**
     * As {@link #route(List)}; {@code beforeWrite} (tests only) runs in the transaction after the decisions are taken
     * and before anything is written, to change figures under the batch's feet.
     */
    Result route(List<String> orderIds, Runnable beforeWrite) {
        long t0 = System.nanoTime();
        Batch batch = tx.execute(status -> decideAndWrite(orderIds, beforeWrite));
        if (log.isDebugEnabled() && batch.phases != null) {
            Phases p = batch.phases;
            log.debug("Batch of {} orders ({} routed together, {} skus): lock {} ms, read {} ms, decide {} ms, write {} ms, commit {} ms",
                    orderIds.size(), batch.attempts.size(), p.skus(), ms(p.locked() - t0), ms(p.read() - p.locked()),
                    ms(p.decided() - p.read()), ms(p.written() - p.decided()), ms(System.nanoTime() - p.written()));
        }
        for (OrderRouting.Attempt a : batch.attempts) {
            routing.afterCommit(a);
        }
        return new Result(batch.attempts.stream().map(a -> a.outcome).toList(), batch.notStored, batch.oneByOne);
    }

    /** One order of the batch being routed. */
    private static final class Item {
        final String id;
        final String channel;
        final String channelOrderId;
        final CanonicalOrder order;
        Set<String> excluded = Set.of();
        int decisionNo;
        long mark;
        RoutingDecision decision;
        RoutingPolicy policy;
        OrderRouting.Attempt attempt;

        Item(String id, String channel, String channelOrderId, CanonicalOrder order) {
            this.id = id;
            this.channel = channel;
            this.channelOrderId = channelOrderId;
            this.order = order;
        }

        OrderRef ref() {
            return new OrderRef(id, channel, channelOrderId);
        }
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e5) / 10.0;
    }

    /** When a batch's orders were locked, the view read, the decisions taken, the writes done (nanos); and its skus. */
    private record Phases(long locked, long read, long decided, long written, int skus) {
    }

    private static final class Batch {
        Phases phases;
        final List<OrderRouting.Attempt> attempts = new ArrayList<>();
        final List<String> notStored = new ArrayList<>();
        final List<String> oneByOne = new ArrayList<>();
    }

    private Batch decideAndWrite(List<String> orderIds, Runnable beforeWrite) {
        Batch batch = new Batch();
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(orderIds));
        if (ids.isEmpty()) {
            return batch;
        }
        // the batch holds the stock rows of every sku of its poll until it commits, and the next batch waits for them:
        // the channels' figures are the sync's work right after the commit, not the batch's before it
        outbox.figuresAfterCommit();
        // 1. the orders, locked in id order (two batches holding a redelivered order never wait on each other crosswise)
        Map<String, OrderStore.StoredOrder> rows = orders.lockAll(ids);
        // orders converted from a hold take the held reservations, one by one
        Set<String> held = new HashSet<>(jdbc.queryForList(
                "select order_id from hold where order_id = any(cast(:ids as text[])) and status = 'ACTIVE'",
                new MapSqlParameterSource("ids", ids.toArray(String[]::new)), String.class));
        List<Item> items = new ArrayList<>();
        for (String id : ids) {
            OrderStore.StoredOrder row = rows.get(id);
            if (row == null) {
                batch.notStored.add(id);
            } else if (!OrderRouting.NEW.contains(row.status())) {
                batch.attempts.add(new OrderRouting.Attempt(new OrderRouting.Outcome(id, OrderRouting.Result.UNCHANGED, row.status(), null)));
            } else if (held.contains(id)) {
                batch.oneByOne.add(id);
            } else {
                items.add(new Item(id, row.ref().channel(), row.ref().channelOrderId(), routing.read(row.payload())));
            }
        }
        if (items.isEmpty()) {
            return batch;
        }
        String[] itemIds = items.stream().map(i -> i.id).sorted().toArray(String[]::new);
        Map<String, Item> byId = items.stream().collect(Collectors.toMap(i -> i.id, i -> i));
        jdbc.query("""
                insert into order_routing (order_id) select id from unnest(cast(:ids as text[])) as u(id) order by id
                on conflict (order_id) do update set order_id = excluded.order_id
                returning order_id, excluded_nodes, decisions""", new MapSqlParameterSource("ids", itemIds), rs -> {
            Item item = byId.get(rs.getString(1));
            item.excluded = StockViews.strings(rs.getArray(2));
            item.decisionNo = rs.getInt(3) + 1;
        });

        long locked = System.nanoTime();
        // 2. policy, nodes and counters, stock (locked in the writers' lock order)
        Function<CanonicalOrder, PolicySource.Choice> chooser = policies.chooser();
        Set<String> skus = new TreeSet<>();
        Set<String> channels = new TreeSet<>();
        items.forEach(i -> {
            channels.add(i.channel);
            i.order.lines().forEach(l -> skus.add(l.sku()));
        });
        Map<String, StockView.Channel> channelFacts = views.channels(channels);
        Map<String, Map<String, StockView.Node>> nodesOf = new HashMap<>();
        Map<String, String> sinks = new HashMap<>();
        views.nodes(channels, true, (channel, node, sink) -> {
            nodesOf.computeIfAbsent(channel, c -> new LinkedHashMap<>()).put(node.id(), node);
            sinks.put(node.id(), sink);
        });
        Map<String, Map<String, StockView.SkuStock>> stock = new HashMap<>();
        for (StockLedger.Row r : ledger.lockRows(skus)) {
            stock.computeIfAbsent(r.nodeId(), n -> new HashMap<>()).put(r.sku(), new StockView.SkuStock(r.onHand(), r.reserved(), r.safetyStock()));
        }
        Map<String, Long> marks = new HashMap<>();
        jdbc.query("select s, (select coalesce(max(e.id), 0) from ledger_entry e where e.sku = s) from unnest(cast(:skus as text[])) as u(s)",
                new MapSqlParameterSource("skus", skus.toArray(String[]::new)), rs -> {
                    marks.put(rs.getString(1), rs.getLong(2));
                });

        long read = System.nanoTime();
        // 3. decide each order in turn, deducting as it goes
        List<StockLedger.Reserve> reserves = new ArrayList<>();
        Map<String, Integer> dailyPerNode = new TreeMap<>();
        Map<String, Integer> capPerNode = new HashMap<>();
        Set<String> uncapped = new java.util.HashSet<>();
        Map<String, Integer> loadPerNode = new TreeMap<>();
        for (Item item : items) {
            PolicySource.Choice choice = chooser.apply(item.order);
            item.policy = choice.policy();
            Map<String, StockView.Node> nodes = nodesOf.getOrDefault(item.channel, new LinkedHashMap<>());
            StockView view = new StockView(channelFacts.get(item.channel), nodes, stock, item.excluded);
            RoutingDecision routed = router.route(item.order, view, item.policy);
            item.decision = choice.pilot() ? routed.asPilot() : routed;
            item.mark = item.order.lines().stream().mapToLong(l -> marks.getOrDefault(l.sku(), 0L)).max().orElse(0);
            if (!item.decision.routed()) {
                continue;
            }
            // what OrderRouting's reserveAll takes: per node and sku, summed, with the first allocation's safety stock
            for (Reservations.Wanted w : Reservations.wanted(item.decision.shipments())) {
                String node = w.nodeId();
                String sku = w.sku();
                int q = w.quantity();
                StockView.SkuStock before = view.stockOf(node, sku);
                if (before.onHand() - before.reserved() - w.safetyStock() < q) {
                    // the router never allocates beyond what it may promise; if it did, one by one finds out
                    throw new GuardMismatch("order " + item.id + " would take " + q + " of " + sku + " at " + node + " beyond its figures");
                }
                stock.computeIfAbsent(node, n -> new HashMap<>())
                        .put(sku, new StockView.SkuStock(before.onHand(), before.reserved() + q, before.safetyStock()));
                reserves.add(new StockLedger.Reserve(node, sku, q, w.safetyStock(), item.id));
            }
            Map<String, Integer> caps = OrderRouting.caps(item.decision, view, item.policy);
            Map<String, Integer> rowsPerNode = Reservations.rowsPerNode(item.decision.shipments());
            for (String node : OrderRouting.ordersPerNode(item.decision).keySet()) {
                dailyPerNode.merge(node, 1, Integer::sum);
                Integer cap = caps.get(node);
                if (cap == null) {
                    uncapped.add(node);
                } else {
                    capPerNode.merge(node, cap, Math::max);
                }
                int rowsHere = rowsPerNode.getOrDefault(node, 0);
                loadPerNode.merge(node, rowsHere, Integer::sum);
                // the next order sees this one counted, as it would after this one's commit
                for (Map<String, StockView.Node> ofChannel : nodesOf.values()) {
                    StockView.Node n = ofChannel.get(node);
                    if (n != null) {
                        ofChannel.put(node, new StockView.Node(n.id(), n.type(), n.latitude(), n.longitude(), n.capabilities(),
                                n.enabled(), n.dailyOrderCap(), n.ordersToday() + 1, n.safetyStock(), n.costPerOrder(),
                                n.openOrders() + rowsHere));
                    }
                }
            }
        }
        uncapped.forEach(capPerNode::remove);
        long decided = System.nanoTime();
        if (beforeWrite != null) {
            beforeWrite.run();
        }

        // 4. write, set-based; the hot rows (stock, then daily and load counters) last
        write(items, sinks);
        if (!ledger.reserveBatch(reserves)) {
            throw new GuardMismatch("a stock row of the batch changed or disappeared under its lock");
        }
        if (!reservations.countDaily(dailyPerNode, capPerNode)) {
            throw new GuardMismatch("a node's daily count moved past its cap meanwhile");
        }
        reservations.addLoad(loadPerNode);
        // the decisions' place in the sequence of all decisions, in the batch's order, taken under the stock locks
        List<Long> seq = jdbc.queryForList("select nextval('ledger_entry_id_seq') as s from generate_series(1, :n) order by s",
                new MapSqlParameterSource("n", items.size()), Long.class);
        List<Long> sorted = new ArrayList<>(seq);
        java.util.Collections.sort(sorted);
        String[] ids2 = new String[items.size()];
        Boolean[] routedFlags = new Boolean[items.size()];
        Long[] marks2 = new Long[items.size()];
        Long[] seqs = new Long[items.size()];
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            ids2[i] = item.id;
            routedFlags[i] = item.decision.routed();
            marks2[i] = item.mark;
            seqs[i] = sorted.get(i);
        }
        jdbc.update("""
                update order_routing r set decisions = r.decisions + 1,
                       last_ledger_id = case when d.routed then r.last_ledger_id else d.mark end,
                       unfulfillable_since = case when d.routed then null else coalesce(r.unfulfillable_since, now()) end,
                       decision_seq = d.seq, updated_at = now()
                from unnest(cast(:ids as text[]), cast(:routed as boolean[]), cast(:marks as bigint[]), cast(:seqs as bigint[]))
                    as d(id, routed, mark, seq)
                where r.order_id = d.id""",
                new MapSqlParameterSource("ids", ids2).addValue("routed", routedFlags).addValue("marks", marks2).addValue("seqs", seqs));
        for (Item item : items) {
            batch.attempts.add(item.attempt);
        }
        batch.phases = new Phases(locked, read, decided, System.nanoTime(), skus.size());
        return batch;
    }

    /**
     * The orders' own rows: reservations, decision and status, timeline rows, and the outbox messages (OrderStatus,
     * fulfillment requests), each kind in one statement in the batch's order.
     */
    private void write(List<Item> items, Map<String, String> sinks) {
        List<ReservationRow> reservationRows = new ArrayList<>();
        List<EventRow> events = new ArrayList<>();
        List<MessageRow> messages = new ArrayList<>();
        List<OrderStore.Decided> decided = new ArrayList<>(items.size());
        for (Item item : items) {
            RoutingDecision d = item.decision;
            OrderRef ref = item.ref();
            OrderStatus.Status status = d.routed() ? OrderStatus.Status.ROUTED : OrderStatus.Status.UNFULFILLABLE;
            decided.add(new OrderStore.Decided(item.id, status, d));
            item.attempt = new OrderRouting.Attempt(new OrderRouting.Outcome(item.id,
                    d.routed() ? OrderRouting.Result.ROUTED : OrderRouting.Result.UNFULFILLABLE, status, d));
            String nodes = d.shipments().stream().map(Shipment::nodeId).collect(Collectors.joining(","));
            OrderStatus message = d.routed()
                    ? OrderStore.message(ref, status, nodes, null, null, null)
                    : OrderStore.message(ref, status, null, null, null, d.summary());
            events.add(new EventRow(item.id, status.name(), d.summary()));
            messages.add(new MessageRow(CanonicalTopics.ORDER_STATUS, item.id, orders.json(message)));
            if (d.routed()) {
                item.attempt.nodeTypes = d.shipments().stream().map(Shipment::nodeId).distinct()
                        .collect(Collectors.toMap(n -> n, n -> nodeType(d, n)));
                for (Shipment s : d.shipments()) {
                    for (Allocation al : s.allocations()) {
                        reservationRows.add(new ReservationRow(item.id, al.lineNo(), s.nodeId(), al.sku(), al.quantity()));
                    }
                }
                for (FulfillmentRequestWriter.Request r : requests.requests(item.order, ref, d, item.decisionNo, sinks)) {
                    messages.add(new MessageRow(requests.topic(), r.nodeId(), r.json()));
                    events.add(new EventRow(item.id, "FULFILLMENT_REQUESTED", r.eventDetail()));
                }
            } else {
                item.attempt.newlyUnfulfillable = true;
            }
        }
        if (!reservationRows.isEmpty()) {
            jdbc.update("""
                    insert into reservation (order_id, line_no, node_id, sku, quantity, status)
                    select o, l, n, s, q, 'ACTIVE' from unnest(cast(:o as text[]), cast(:l as integer[]), cast(:n as text[]),
                        cast(:s as text[]), cast(:q as integer[])) with ordinality as r(o, l, n, s, q, ord) order by ord""",
                    new MapSqlParameterSource("o", column(reservationRows, ReservationRow::orderId, String[]::new))
                            .addValue("l", column(reservationRows, ReservationRow::lineNo, Integer[]::new))
                            .addValue("n", column(reservationRows, ReservationRow::nodeId, String[]::new))
                            .addValue("s", column(reservationRows, ReservationRow::sku, String[]::new))
                            .addValue("q", column(reservationRows, ReservationRow::quantity, Integer[]::new)));
        }
        orders.decideAll(decided);
        jdbc.update("""
                insert into order_event (order_id, kind, detail)
                select o, k, d from unnest(cast(:o as text[]), cast(:k as text[]), cast(:d as text[])) with ordinality as e(o, k, d, ord)
                order by ord""",
                new MapSqlParameterSource("o", column(events, EventRow::orderId, String[]::new))
                        .addValue("k", column(events, EventRow::kind, String[]::new))
                        .addValue("d", column(events, EventRow::detail, String[]::new)));
        List<Long> outboxIds = jdbc.queryForList("""
                insert into outbox (kind, topic, msg_key, payload)
                select 'KAFKA', t, k, cast(p as jsonb) from unnest(cast(:t as text[]), cast(:k as text[]), cast(:p as text[]))
                    with ordinality as m(t, k, p, ord)
                order by ord returning id""",
                new MapSqlParameterSource("t", column(messages, MessageRow::topic, String[]::new))
                        .addValue("k", column(messages, MessageRow::key, String[]::new))
                        .addValue("p", column(messages, MessageRow::payload, String[]::new)),
                Long.class);
        // the relay publishes in id order whatever the ids; waking it once is enough
        if (!items.isEmpty() && !outboxIds.isEmpty()) {
            items.get(items.size() - 1).attempt.publish.add(java.util.Collections.max(outboxIds));
        }
    }

    /** The node type of {@code nodeId} as the decision's candidates name it. */
    private static String nodeType(RoutingDecision d, String nodeId) {
        return d.candidates().stream().filter(c -> c.nodeId().equals(nodeId)).map(RoutingDecision.Candidate::nodeType)
                .findFirst().orElse("UNKNOWN");
    }

    /** A reservation the batch writes. */
    private record ReservationRow(String orderId, int lineNo, String nodeId, String sku, int quantity) {
    }

    /** A timeline row the batch writes. */
    private record EventRow(String orderId, String kind, String detail) {
    }

    /** An outbox message the batch writes (topic, key, JSON payload). */
    private record MessageRow(String topic, String key, String payload) {
    }

    /** One field of every row, as the array a set-based statement binds. */
    private static <R, T> T[] column(Collection<R> rows, java.util.function.Function<R, T> field, java.util.function.IntFunction<T[]> array) {
        return rows.stream().map(field).toArray(array);
    }

    /** The skus of an order (for tests and logs). */
    static Set<String> skus(CanonicalOrder order) {
        return order.lines().stream().map(OrderLine::sku).collect(Collectors.toCollection(TreeSet::new));
    }
}
