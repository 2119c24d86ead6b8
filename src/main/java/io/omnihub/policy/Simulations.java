package io.omnihub.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.reference.ReferenceData;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.StockView;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What-if simulations of a candidate policy on past orders, in the background. Reads, in one REPEATABLE READ
 * read-only transaction (one consistent snapshot): the window's orders with their recorded decisions, the stock of
 * their skus as it stood when the window began (today's figures less every ledger change since — seed rows written
 * without a ledger entry are counted too), the window's ledger changes (the simulated orders' own reservations
 * are the replay's to make), the node and channel facts. Then runs {@link SimulationEngine} in memory:
 * it never writes the live ledger, never publishes, never calls a node. Progress and the report are kept in table
 * routing_simulation; a simulation can be cancelled.
 * <p>
 * The replay follows the order in which live routing took its decisions (decision numbers share the ledger's
 * sequence, so each decision sits between the ledger entries it came after, also inside a batch of orders routed
 * together), from the stock each sku had at the ledger entry before the window, with the window's other stock
 * changes and the simulated orders' own shipments and releases at their recorded places.
 * <p>
 * Approximations, stated: node and channel facts are today's; the load (open orders) at the start counts order
 * reservations open at that time; days after the first start with no orders counted; an order decided more than
 * once is replayed at its last decision. Whatever the recorded policies do not reproduce is named in the report's
 * fidelity, with its reason, and kept out of the changed orders.
 */
@Component
public class Simulations {

    private static final Logger log = LoggerFactory.getLogger(Simulations.class);

    /** A simulation's request: a stored version or a document, a window, optionally one channel or ship-to region. */
    public record Request(Integer version, JsonNode document, Instant from, Instant to, String channel, String region) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate snapshot;
    private final PolicyStore store;
    private final ObjectMapper mapper;
    private final ReferenceData references;
    private final SimulationEngine engine = new SimulationEngine();
    private final Map<String, Boolean> cancelled = new ConcurrentHashMap<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(1, r -> {
        Thread t = new Thread(r, "routing-simulation");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    public Simulations(NamedParameterJdbcTemplate jdbc, PlatformTransactionManager txm, PolicyStore store, ObjectMapper mapper,
                       ReferenceData references) {
        this.jdbc = jdbc;
        this.references = references;
        this.snapshot = new TransactionTemplate(txm);
        this.snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        this.snapshot.setReadOnly(true);
        this.store = store;
        this.mapper = mapper;
    }

    /** Validates the request, records the simulation as RUNNING and starts it; returns its id. */
    public String start(Request request, String author) {
        if (request.from() == null || request.to() == null || !request.to().isAfter(request.from())) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "from and to: both are required, to after from");
        }
        RoutingPolicy policy = policyOf(request);
        String id = "SIM-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase();
        jdbc.update("insert into routing_simulation (id, status, request, author) values (:id, 'RUNNING', cast(:req as jsonb), :a)",
                new MapSqlParameterSource("id", id).addValue("req", json(request)).addValue("a", author));
        executor.execute(() -> run(id, request, policy));
        return id;
    }

    /** Cancels a running simulation (on any instance: the runner checks the stored status too). */
    public boolean cancel(String id) {
        cancelled.put(id, true);
        return jdbc.update("update routing_simulation set status = 'CANCELLED', finished_at = now() where id = :id and status = 'RUNNING'",
                new MapSqlParameterSource("id", id)) > 0;
    }

    /** The latest simulations (newest first) with their progress and headline figures, without the full reports. */
    public List<Map<String, Object>> list(int limit) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, status, author, done, total, request::text as request, error,
                       (report->>'orders')::int as orders, (report->>'changedCount')::int as "changedCount",
                       report->>'policyVersion' as "policyVersion", created_at as "createdAt", finished_at as "finishedAt"
                from routing_simulation order by created_at desc, id limit :limit""", new MapSqlParameterSource("limit", limit));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> row = new LinkedHashMap<>(r);
            row.put("request", tree((String) row.get("request")));
            out.add(row);
        }
        return out;
    }

    /** The simulation with its progress and, when done, its report. */
    public Map<String, Object> get(String id) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, status, author, done, total, request::text as request, report::text as report, error,
                       created_at as "createdAt", finished_at as "finishedAt"
                from routing_simulation where id = :id""", new MapSqlParameterSource("id", id));
        if (rows.isEmpty()) {
            throw new NotFoundException("simulation " + id + " is not stored");
        }
        Map<String, Object> row = new LinkedHashMap<>(rows.get(0));
        row.put("request", tree((String) row.get("request")));
        row.put("report", tree((String) row.get("report")));
        return row;
    }

    /**
     * Runs a simulation in the caller's thread (the engine part of {@link #start}); null when cancelled. The window is
     * first replayed with the policies that decided it, so that what the candidate changes is told apart from what
     * the window's data cannot reproduce.
     */
    public SimulationReport simulate(Request request, RoutingPolicy policy, SimulationEngine.Progress progress) {
        Loaded loaded = snapshot.execute(s -> load(request));
        Map<String, Optional<RoutingPolicy>> recorded = new HashMap<>();
        return engine.run(loaded.start, loaded.events, policy,
                a -> a.recorded() == null ? null : recorded.computeIfAbsent(a.recorded().policyVersion(), this::storedPolicy).orElse(null),
                progress);
    }

    /** A stored policy version by the name decisions give it; empty when it is not a stored version. */
    private Optional<RoutingPolicy> storedPolicy(String version) {
        try {
            return Optional.of(store.policy(Integer.parseInt(version)));
        } catch (RuntimeException e) {
            log.debug("Policy version {} of a recorded decision is not stored: {}", version, e.toString());
            return Optional.empty();
        }
    }

    RoutingPolicy policyOf(Request request) {
        if (request.document() != null && !request.document().isNull()) {
            JsonNode tree = request.document().isTextual() ? store.documents().parse(request.document().asText())
                    : store.documents().unwrap(request.document());
            return store.documents().require(tree, "candidate");
        }
        if (request.version() != null) {
            return store.policy(request.version());
        }
        throw new RejectedMessageException(ErrorCategory.INVALID, "version or document: one is required (the candidate policy)");
    }

    private void run(String id, Request request, RoutingPolicy policy) {
        MapSqlParameterSource p = new MapSqlParameterSource("id", id);
        AtomicLong lastWrite = new AtomicLong();
        try {
            SimulationReport report = simulate(request, policy, (done, total) -> {
                long now = System.currentTimeMillis();
                if (done == total || now - lastWrite.get() > 500) {
                    lastWrite.set(now);
                    jdbc.update("update routing_simulation set done = :d, total = :t where id = :id and status = 'RUNNING'",
                            new MapSqlParameterSource("id", id).addValue("d", done).addValue("t", total));
                    String status = jdbc.queryForObject("select status from routing_simulation where id = :id", p, String.class);
                    if (!"RUNNING".equals(status)) {
                        cancelled.put(id, true);
                    }
                }
                return !cancelled.containsKey(id);
            });
            if (report == null) {
                log.info("Simulation {} cancelled", id);
                return;
            }
            jdbc.update("""
                    update routing_simulation set status = 'DONE', done = :n, total = :n, report = cast(:r as jsonb), finished_at = now()
                    where id = :id and status = 'RUNNING'""",
                    p.addValue("n", report.orders()).addValue("r", json(view(report))));
            log.info("Simulation {} done: {} orders, {} changed", id, report.orders(), report.changedCount());
        } catch (RuntimeException e) {
            log.warn("Simulation {} failed: {}", id, e.toString());
            jdbc.update("update routing_simulation set status = 'FAILED', error = :e, finished_at = now() where id = :id and status = 'RUNNING'",
                    new MapSqlParameterSource("id", id).addValue("e", String.valueOf(e.getMessage())));
        } finally {
            cancelled.remove(id);
        }
    }

    /** The report as stored and served. */
    static Map<String, Object> view(SimulationReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policyVersion", r.policyVersion());
        m.put("orders", r.orders());
        m.put("simulated", r.simulated());
        m.put("actual", r.actual());
        m.put("fidelity", r.fidelity());
        m.put("changedCount", r.changedCount());
        m.put("changed", r.changed());
        return m;
    }

    private record Loaded(SimulationEngine.Start start, List<SimulationEngine.Event> events) {
    }

    private static final String WINDOW_SKUS = """
            select distinct l.sku from order_line l join orders o on o.id = l.order_id
            where o.received_at >= :from and o.received_at < :to and (cast(:channel as text) is null or o.channel = :channel)""";

    private Loaded load(Request r) {
        MapSqlParameterSource p = new MapSqlParameterSource("from", Timestamp.from(r.from())).addValue("to", Timestamp.from(r.to()))
                .addValue("channel", r.channel());
        // the replay's start: the last ledger entry before the window. Ledger entry ids and decision numbers come from
        // one sequence, taken under the stock rows' locks, so together they order what happened to each sku as it
        // happened; the window's stock is today's less every entry after that one.
        long startId = jdbc.queryForObject("select coalesce(max(id), 0) from ledger_entry where at < :from", p, Long.class);
        p.addValue("startId", startId);
        List<SimulationEngine.Event> events = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        jdbc.query("""
                select o.id, o.received_at, o.payload::text, o.decision::text,
                       coalesce(r.decision_seq,
                                (select min(e.id) from ledger_entry e where e.reference = o.id and e.kind = 'RESERVE'),
                                nullif(r.last_ledger_id, 0), :startId) as position,
                       r.decision_seq is null as unnumbered, coalesce(r.decisions, 0) as decisions,
                       coalesce(array_to_string(r.excluded_nodes, ', '), '') as excluded
                from orders o left join order_routing r on r.order_id = o.id
                where o.received_at >= :from and o.received_at < :to and (cast(:channel as text) is null or o.channel = :channel)
                order by o.received_at, o.id""", p, rs -> {
            CanonicalOrder order = read(rs.getString(3), CanonicalOrder.class);
            if (r.region() != null && (order.shipTo() == null || !r.region().equalsIgnoreCase(order.shipTo().region()))) {
                return;
            }
            String decision = rs.getString(4);
            List<String> causes = new ArrayList<>();
            if (rs.getInt(7) > 1) {
                causes.add("decided " + rs.getInt(7) + " times (retried, or rejected by a node): only its last decision is replayed");
            }
            if (!rs.getString(8).isEmpty()) {
                causes.add("rejected by " + rs.getString(8));
            }
            if (decision != null && rs.getBoolean(6)) {
                causes.add("decided before decisions were numbered: placed by its ledger entries");
            }
            events.add(new SimulationEngine.OrderArrival(rs.getLong(5), rs.getTimestamp(2).toInstant(), order,
                    decision == null ? null : read(decision, RoutingDecision.class), List.copyOf(causes)));
            ids.add(rs.getString(1));
        });
        // the window's stock changes up to its last decision (an order received at the window's end may be decided later)
        p.addValue("endId", events.stream().mapToLong(SimulationEngine.Event::position).max().orElse(startId));
        Map<String, Map<String, StockView.SkuStock>> stock = new HashMap<>();
        jdbc.query("""
                select s.node_id, s.sku, s.on_hand - coalesce(sum(e.on_hand_delta), 0) as on_hand,
                       s.reserved - coalesce(sum(e.reserved_delta), 0) as reserved, s.safety_stock
                from stock s left join ledger_entry e on e.node_id = s.node_id and e.sku = s.sku and e.id > :startId
                where s.sku in (""" + WINDOW_SKUS + """
                ) group by s.node_id, s.sku, s.on_hand, s.reserved, s.safety_stock""", p, rs -> {
            stock.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), new StockView.SkuStock(
                    Math.max(0, rs.getInt(3)), Math.max(0, rs.getInt(4)), (Integer) rs.getObject(5)));
        });
        jdbc.query("""
                select id, at, node_id, sku, on_hand_delta, reserved_delta, kind, reference from ledger_entry
                where id > :startId and id <= :endId and (on_hand_delta <> 0 or reserved_delta <> 0) and sku in (""" + WINDOW_SKUS + """
                ) order by id""", p, rs -> {
            String kind = rs.getString(7);
            String reference = rs.getString(8);
            if (reference != null && ids.contains(reference)) {
                // a simulated order's own stock: its reservations are the replay's to make; what left them later
                // (shipped, released) leaves the replay's reservation at the same place
                if (kind.equals("SHIP") || kind.equals("RELEASE")) {
                    events.add(new SimulationEngine.OrderStockChange(rs.getLong(1), rs.getTimestamp(2).toInstant(), reference,
                            rs.getString(4), Math.abs(rs.getInt(6)), kind.equals("SHIP")));
                }
                if (kind.equals("RESERVE") || kind.equals("RELEASE") || kind.equals("SHIP")) {
                    return;
                }
            }
            events.add(new SimulationEngine.StockChange(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                    rs.getString(4), rs.getInt(5), rs.getInt(6)));
        });
        Map<String, StockView.Node> nodes = new LinkedHashMap<>();
        for (ReferenceData.Node n : references.nodes()) {
            nodes.put(n.id(), new StockView.Node(n.id(), StockView.NodeType.valueOf(n.type()), n.latitude(), n.longitude(),
                    n.capabilities(), n.enabled(), n.dailyOrderCap(), 0, n.safetyStock(), n.costPerOrder(), 0));
        }
        Map<String, SimulationEngine.Channel> channels = new HashMap<>();
        for (ReferenceData.Channel c : references.channels()) {
            channels.put(c.id(), new SimulationEngine.Channel(c.id(), c.allowSplit(), c.nodeIds()));
        }
        MapSqlParameterSource q = new MapSqlParameterSource("from", Timestamp.from(r.from()));
        Map<String, Integer> open = new HashMap<>();
        jdbc.query("""
                select node_id, count(*) from reservation
                where order_id is not null and created_at < :from and (status = 'ACTIVE' or updated_at >= :from)
                  and not (order_id = any(cast(:idArray as text[]))) group by node_id""",
                q.addValue("idArray", ids.toArray(String[]::new)), rs -> {
                    open.put(rs.getString(1), rs.getInt(2));
                });
        // orders counted against each node on the window's first day before it began: today's count less the orders
        // routed to the node later that day
        Map<String, Integer> onDay = new HashMap<>();
        jdbc.query("""
                select d.node_id, d.orders - (select count(*) from orders o, jsonb_array_elements(o.decision->'shipments') s
                        where o.received_at >= :from and o.received_at < cast(cast(:from as timestamptz) at time zone 'UTC' as date) + 1
                          and o.decision->>'outcome' = 'ROUTED' and s->>'nodeId' = d.node_id)
                from node_daily_orders d where d.day = cast(cast(:from as timestamptz) at time zone 'UTC' as date)""", q, rs -> {
            onDay.put(rs.getString(1), Math.max(0, rs.getInt(2)));
        });
        SimulationEngine.Start start = new SimulationEngine.Start(nodes, channels, stock, open, onDay, r.from());
        return new Loaded(start, SimulationEngine.inSequence(events));
    }

    private <T> T read(String json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable stored " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private JsonNode tree(String json) {
        return json == null ? null : read(json, JsonNode.class);
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }
}
