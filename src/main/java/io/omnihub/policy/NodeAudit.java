package io.omnihub.policy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per node over a window: orders routed, rejections by reason and the rejection rate, time from routed to shipped
 * (p50, p95), days at the daily cap, cost per order; and an alert when the rejection rate or the time to ship passes
 * its threshold (configuration {@code omnihub.routing.audit.*}). An alert is a flag in the audit, a WARN log, gauge
 * {@code omnihub.routing.node.alert{node, kind}} (1 while raised) and counter {@code omnihub.routing.node.alerts}
 * (each time one is raised). The gauges follow the last audit, and a scheduled audit of the trailing window.
 */
@Component
@EnableConfigurationProperties(NodeAudit.Settings.class)
public class NodeAudit {

    private static final Logger log = LoggerFactory.getLogger(NodeAudit.class);

    /**
     * @param maxRejectionRate  rejections / orders routed above which a node is flagged
     * @param maxP95HoursToShip p95 of routed → shipped above which a node is flagged
     * @param minOrders         fewer routed orders than this never raise the rejection alert (too few to judge)
     * @param trailingHours     the window of the scheduled audit
     */
    @ConfigurationProperties("omnihub.routing.audit")
    public record Settings(Double maxRejectionRate, Double maxP95HoursToShip, Integer minOrders, Integer trailingHours) {
        public Settings {
            maxRejectionRate = maxRejectionRate == null ? 0.2 : maxRejectionRate;
            maxP95HoursToShip = maxP95HoursToShip == null ? 48.0 : maxP95HoursToShip;
            minOrders = minOrders == null ? 5 : minOrders;
            trailingHours = trailingHours == null ? 24 : trailingHours;
        }
    }

    /** One node's figures over the window. */
    public record NodeFigures(String nodeId, String type, int ordersRouted, Map<String, Integer> rejectionsByReason,
                              int rejections, double rejectionRate, Double hoursToShipP50, Double hoursToShipP95,
                              int shipped, Integer dailyOrderCap, int maxOrdersInADay, int daysAtCap, double costPerOrder,
                              boolean paused, List<String> alerts) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Map<String, AtomicInteger> gauges = new ConcurrentHashMap<>();
    private final Counter raised;

    public NodeAudit(NamedParameterJdbcTemplate jdbc, Settings settings, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.meters = meters;
        this.raised = Counter.builder("omnihub.routing.node.alerts").description("node alerts raised (rejection rate, time to ship)")
                .register(meters);
    }

    public Settings settings() {
        return settings;
    }

    /** The audit of every node over [from, to); updates the alert gauges. */
    public List<NodeFigures> audit(Instant from, Instant to) {
        MapSqlParameterSource p = new MapSqlParameterSource("from", Timestamp.from(from)).addValue("to", Timestamp.from(to));
        Map<String, Map<String, Integer>> rejections = new TreeMap<>();
        jdbc.query("select node_id, reason, count(*) from node_rejection where at >= :from and at < :to group by node_id, reason", p,
                rs -> {
                    rejections.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getInt(3));
                });
        List<NodeFigures> out = new ArrayList<>();
        jdbc.query("""
                select n.id, n.type, n.daily_order_cap, n.cost_per_order,
                       exists (select 1 from node_pause p where p.node_id = n.id and p.until > now()) as paused,
                       (select count(distinct r.order_id) from reservation r where r.node_id = n.id and r.order_id is not null
                          and r.created_at >= :from and r.created_at < :to) as routed,
                       s.p50, s.p95, coalesce(s.shipped, 0) as shipped,
                       (select coalesce(max(d.orders), 0) from node_daily_orders d where d.node_id = n.id
                          and d.day >= cast(:from as date) and d.day <= cast(:to as date)) as max_day,
                       (select count(*) from node_daily_orders d where d.node_id = n.id and n.daily_order_cap is not null
                          and d.orders >= n.daily_order_cap and d.day >= cast(:from as date) and d.day <= cast(:to as date)) as days_at_cap
                from node n
                left join lateral (
                    select percentile_cont(0.5) within group (order by hours) as p50,
                           percentile_cont(0.95) within group (order by hours) as p95, count(*) as shipped
                    from (select extract(epoch from max(r.updated_at) - min(r.created_at)) / 3600.0 as hours
                          from reservation r where r.node_id = n.id and r.status = 'SHIPPED' and r.order_id is not null
                            and r.created_at >= :from and r.created_at < :to group by r.order_id) t) s on true
                order by n.id""", p, rs -> {
            String id = rs.getString("id");
            int routed = rs.getInt("routed");
            Map<String, Integer> byReason = rejections.getOrDefault(id, Map.of());
            int rej = byReason.values().stream().mapToInt(Integer::intValue).sum();
            double rate = routed == 0 ? (rej > 0 ? 1.0 : 0.0) : (double) rej / routed;
            Double p50 = (Double) rs.getObject("p50");
            Double p95 = (Double) rs.getObject("p95");
            List<String> alerts = new ArrayList<>();
            if (Math.max(routed, rej) >= settings.minOrders() && rate > settings.maxRejectionRate()) {
                alerts.add("REJECTION_RATE");
            }
            if (p95 != null && p95 > settings.maxP95HoursToShip()) {
                alerts.add("TIME_TO_SHIP");
            }
            out.add(new NodeFigures(id, rs.getString("type"), routed, byReason, rej, round(rate), round(p50), round(p95),
                    rs.getInt("shipped"), (Integer) rs.getObject("daily_order_cap"), rs.getInt("max_day"), rs.getInt("days_at_cap"),
                    rs.getDouble("cost_per_order"), rs.getBoolean("paused"), alerts));
        });
        out.forEach(f -> {
            signal(f, "REJECTION_RATE");
            signal(f, "TIME_TO_SHIP");
        });
        return out;
    }

    /** The scheduled audit of the trailing window, so the gauges move without anyone asking. */
    @Scheduled(fixedDelayString = "${omnihub.routing.audit.interval-ms:300000}", initialDelayString = "${omnihub.routing.audit.interval-ms:300000}")
    public void trailing() {
        try {
            Instant now = Instant.now();
            audit(now.minus(Duration.ofHours(settings.trailingHours())), now);
        } catch (RuntimeException e) {
            log.warn("Node audit failed, will try again: {}", e.getMessage());
        }
    }

    /** The alert gauge's current value (1 raised, 0 not), for tests and the console. */
    public int alertValue(String nodeId, String kind) {
        AtomicInteger g = gauges.get(nodeId + "|" + kind);
        return g == null ? 0 : g.get();
    }

    private void signal(NodeFigures f, String kind) {
        AtomicInteger g = gauges.computeIfAbsent(f.nodeId() + "|" + kind, k -> {
            AtomicInteger v = new AtomicInteger();
            Gauge.builder("omnihub.routing.node.alert", v, AtomicInteger::get).tag("node", f.nodeId()).tag("kind", kind)
                    .description("1 while the node's " + kind.toLowerCase().replace('_', ' ') + " is past its threshold")
                    .register(meters);
            return v;
        });
        boolean on = f.alerts().contains(kind);
        if (on && g.getAndSet(1) == 0) {
            raised.increment();
            log.warn("ALERT node {}: {} past its threshold (rejection rate {} of {} orders, p95 hours to ship {}): check its counts or its staffing",
                    f.nodeId(), kind, f.rejectionRate(), f.ordersRouted(), f.hoursToShipP95());
        } else if (!on) {
            g.set(0);
        }
    }

    private static Double round(Double d) {
        return d == null ? null : Math.round(d * 1000.0) / 1000.0;
    }

    static Map<String, Object> thresholds(Settings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("maxRejectionRate", s.maxRejectionRate());
        m.put("maxP95HoursToShip", s.maxP95HoursToShip());
        m.put("minOrders", s.minOrders());
        return m;
    }
}
