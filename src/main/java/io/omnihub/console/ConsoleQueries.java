package io.omnihub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.inventory.StockViews;
import io.omnihub.marketplace.MarketplacePoller;
import io.omnihub.reference.ReferenceData;
import io.omnihub.orders.OrderStore;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The console's read side, shaped as maps and lists ready for JSON: reference data through {@link ReferenceData},
 * stock through {@link StockViews}, the pollers' cursors through {@link MarketplacePoller}, one order through
 * {@link OrderStore}, the rest (the order list and counts, dead letters, deliveries) as read-only SQL. Nothing here
 * writes.
 */
@Component
public class ConsoleQueries {

    private final NamedParameterJdbcTemplate jdbc;
    private final OrderStore orders;
    private final ObjectMapper mapper;
    private final ReferenceData references;
    private final MarketplacePoller marketplaces;
    private final StockViews stock;

    public ConsoleQueries(NamedParameterJdbcTemplate jdbc, OrderStore orders, ObjectMapper mapper, ReferenceData references,
                          MarketplacePoller marketplaces, StockViews stock) {
        this.stock = stock;
        this.jdbc = jdbc;
        this.orders = orders;
        this.mapper = mapper;
        this.references = references;
        this.marketplaces = marketplaces;
    }

    /** Counts for the overview's headline figures. */
    public Map<String, Object> counts() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ordersLastHour", jdbc.queryForObject(
                "select count(*) from orders where received_at > now() - interval '1 hour'", Map.of(), Long.class));
        Map<String, Long> byStatus = new TreeMap<>();
        jdbc.query("select status, count(*) as n from orders group by status",
                rs -> { byStatus.put(rs.getString("status"), rs.getLong("n")); });
        c.put("ordersByStatus", byStatus);
        c.put("openDeadLetters", jdbc.queryForObject("select count(*) from dead_letter where replayed_at is null", Map.of(), Long.class));
        Map<String, Long> deliveries = new TreeMap<>();
        jdbc.query("select status, count(*) as n from delivery group by status",
                rs -> { deliveries.put(rs.getString("status"), rs.getLong("n")); });
        c.put("deliveriesByStatus", deliveries);
        c.put("skus", references.skuCount());
        c.put("nodes", references.nodeCount());
        return c;
    }

    /** The rows of the pollers' cursor tables (the marketplace poll's), read through the poller that keeps them. */
    public List<Map<String, Object>> cursorTables() {
        List<Map<String, Object>> shown = new ArrayList<>();
        for (Map<String, Object> r : marketplaces.cursors()) {
            Map<String, Object> s = new LinkedHashMap<>();
            r.forEach((k, v) -> s.put(k, v == null ? null : v instanceof Number || v instanceof Boolean ? v : v.toString()));
            shown.add(s);
        }
        return List.of(Map.of("table", MarketplacePoller.CURSOR_TABLE, "rows", shown));
    }

    /** The inventory grid: skus (filtered by a part of the sku or name) by node, plus per channel the last ATS sent. */
    public Map<String, Object> inventory(String query, int limit, int offset) {
        ReferenceData.ItemPage page = references.items(query == null ? "" : query.trim(), limit, offset);
        List<ReferenceData.NodeSummary> nodes = references.nodeSummaries();
        List<String> channels = references.channelIds();
        List<String> skus = page.items().stream().map(ReferenceData.Item::sku).toList();
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        for (ReferenceData.Item i : page.items()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("sku", i.sku());
            row.put("name", i.name());
            row.put("stock", new LinkedHashMap<String, Object>());
            row.put("ats", new LinkedHashMap<String, Object>());
            rows.put(i.sku(), row);
        }
        if (!skus.isEmpty()) {
            MapSqlParameterSource s = new MapSqlParameterSource("skus", skus);
            for (StockViews.StockRow r : stock.rows(skus)) {
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("onHand", r.onHand());
                cell.put("reserved", r.reserved());
                cell.put("safety", r.safety());
                cell.put("atp", r.atp());
                cell.put("needsCount", r.needsCount());
                cell.put("updatedAt", r.updatedAt());
                stockOf(rows.get(r.sku())).put(r.nodeId(), cell);
            }
            jdbc.query("""
                    select distinct on (channel, dedupe_key) channel, dedupe_key, payload::text as payload, delivered_at
                    from delivery where kind = 'ATS' and status = 'DELIVERED' and dedupe_key in (:skus)
                    order by channel, dedupe_key, delivered_at desc""", s, rs -> {
                Map<String, Object> sent = new LinkedHashMap<>();
                sent.put("available", available(rs.getString("payload")));
                sent.put("sentAt", instant(rs.getTimestamp("delivered_at")));
                Map<String, Object> row = rows.get(rs.getString("dedupe_key"));
                if (row != null) {
                    atsOf(row).put(rs.getString("channel"), sent);
                }
            });
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("total", page.total());
        result.put("nodes", nodes);
        result.put("channels", channels);
        result.put("rows", new ArrayList<>(rows.values()));
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stockOf(Map<String, Object> row) {
        return (Map<String, Object>) row.get("stock");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> atsOf(Map<String, Object> row) {
        return (Map<String, Object>) row.get("ats");
    }

    private Object available(String payload) {
        try {
            JsonNode n = mapper.readTree(payload);
            for (String f : List.of("available", "availableToSell", "quantity", "ats")) {
                if (n.has(f) && n.get(f).isNumber()) {
                    return n.get(f).asLong();
                }
            }
        } catch (Exception ignored) {
            // not JSON: shown as unknown
        }
        return null;
    }

    /** The latest orders, optionally filtered by a part of the id, channel order id or status. */
    public List<Map<String, Object>> orders(String query, int limit) {
        String like = "%" + (query == null ? "" : query.trim()) + "%";
        return jdbc.queryForList("""
                select o.id, o.channel, o.channel_order_id as "channelOrderId", o.status,
                       o.fulfillment_type as "fulfillmentType", o.received_at as "receivedAt", o.updated_at as "updatedAt",
                       o.decision is not null as "hasDecision",
                       (select coalesce(string_agg(distinct r.node_id, ', ' order by r.node_id), '')
                          from reservation r where r.order_id = o.id) as nodes,
                       (select coalesce(sum(l.quantity), 0) from order_line l where l.order_id = o.id) as units
                from orders o
                where o.id ilike :q or o.channel_order_id ilike :q or o.status ilike :q or o.channel ilike :q
                order by o.received_at desc, o.id limit :limit""",
                new MapSqlParameterSource("q", like).addValue("limit", limit));
    }

    /** One order with its lines, reservations, timeline, channel callbacks and its decision in words; null if unknown. */
    public Map<String, Object> order(String id) {
        Map<String, Object> found = orders.row(id);
        if (found == null) {
            return null;
        }
        MapSqlParameterSource p = new MapSqlParameterSource("id", id);
        Map<String, Object> o = new LinkedHashMap<>(found);
        JsonNode decision = tree((String) o.remove("decision"));
        o.put("payload", tree((String) o.get("payload")));
        o.put("decision", decision);
        o.put("decisionSentences", DecisionNarrator.narrate(decision));
        o.put("lines", jdbc.queryForList("""
                select line_no as "lineNo", sku, quantity, unit_price as "unitPrice"
                from order_line where order_id = :id order by line_no""", p));
        o.put("reservations", jdbc.queryForList("""
                select id, line_no as "lineNo", node_id as "nodeId", sku, quantity, status, created_at as "createdAt"
                from reservation where order_id = :id order by id""", p));
        o.put("timeline", orders.timeline(id));
        o.put("callbacks", jdbc.queryForList("""
                select id, channel, status, attempts, last_error as "lastError", created_at as "createdAt",
                       delivered_at as "deliveredAt"
                from delivery where kind = 'ORDER_STATUS' and dedupe_key like :prefix order by id""",
                new MapSqlParameterSource("prefix", id.replace("%", "\\%").replace("_", "\\_") + "%")));
        return o;
    }

    /** Open dead letters (and the latest replayed ones), dead deliveries, and the latest delivery replays with their status now. */
    public Map<String, Object> failures(boolean includeReplayed) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("deadLetters", jdbc.queryForList("""
                select id, created_at as "createdAt", source, route_id as "routeId", category, error, payload,
                       headers::text as headers, replayed_at as "replayedAt", replayed_by as "replayedBy",
                       replay_result as "replayResult"
                from dead_letter where replayed_at is null or :all
                order by created_at desc, id desc limit 200""", new MapSqlParameterSource("all", includeReplayed)));
        f.put("deadDeliveries", jdbc.queryForList("""
                select id, channel, kind, dedupe_key as "key", payload::text as payload, attempts,
                       last_error as "lastError", created_at as "createdAt", next_attempt_at as "lastAttemptAt"
                from delivery where status = 'DEAD' order by created_at desc, id desc limit 200""", Map.of()));
        // the latest delivery replays and how they went since: the row sent (the replayed one, or for a stale figure
        // the newest of its channel and sku) with its current status
        f.put("replayedDeliveries", jdbc.queryForList("""
                select a.id as "actionId", a.at, a.username as "by", cast(a.target as bigint) as id, a.outcome,
                       d.channel, d.kind, d.dedupe_key as "key", s.id as "sentId", s.status, s.attempts,
                       s.delivered_at as "deliveredAt", s.last_error as "lastError"
                from console_action a
                join delivery d on d.id = cast(a.target as bigint)
                left join lateral (
                    select n.id, n.status, n.attempts, n.delivered_at, n.last_error from delivery n
                    where n.id = d.id or (d.kind = 'ATS' and n.kind = 'ATS' and n.channel = d.channel
                                          and n.ordering_key = d.ordering_key and n.id > d.id)
                    order by (n.status = 'SUPERSEDED'), n.id desc limit 1) s on true
                where a.action = 'REPLAY_DELIVERY' and a.target ~ '^[0-9]+$'
                order by a.id desc limit 20""", Map.of()));
        return f;
    }

    /**
     * Minute buckets over the last {@code minutes}: orders received per channel, and inventory sync lag
     * (delivered_at - created_at of available-to-sell deliveries) as median, 95th percentile and maximum in ms.
     */
    public Map<String, Object> charts(int minutes) {
        Instant end = jdbc.queryForObject("select date_trunc('minute', now())", Map.of(), Timestamp.class).toInstant();
        Instant start = end.minus(minutes - 1L, ChronoUnit.MINUTES);
        List<Instant> buckets = new ArrayList<>();
        for (int i = 0; i < minutes; i++) {
            buckets.add(start.plus(i, ChronoUnit.MINUTES));
        }
        MapSqlParameterSource p = new MapSqlParameterSource("start", Timestamp.from(start));
        Map<String, long[]> orders = new TreeMap<>();
        for (String ch : references.channelIds()) {
            orders.put(ch, new long[minutes]);
        }
        jdbc.query("""
                select date_trunc('minute', received_at) as m, channel, count(*) as n from orders
                where received_at >= :start group by 1, 2""", p, rs -> {
            int i = (int) ChronoUnit.MINUTES.between(start, rs.getTimestamp("m").toInstant());
            if (i >= 0 && i < minutes) {
                orders.computeIfAbsent(rs.getString("channel"), k -> new long[minutes])[i] = rs.getLong("n");
            }
        });
        Double[] p50 = new Double[minutes];
        Double[] p95 = new Double[minutes];
        Double[] max = new Double[minutes];
        long[] count = new long[minutes];
        jdbc.query("""
                select date_trunc('minute', delivered_at) as m,
                       percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p50,
                       percentile_cont(0.95) within group (order by extract(epoch from delivered_at - created_at) * 1000) as p95,
                       max(extract(epoch from delivered_at - created_at) * 1000) as mx, count(*) as n
                from delivery where kind = 'ATS' and delivered_at >= :start group by 1""", p, rs -> {
            int i = (int) ChronoUnit.MINUTES.between(start, rs.getTimestamp("m").toInstant());
            if (i >= 0 && i < minutes) {
                p50[i] = rs.getDouble("p50");
                p95[i] = rs.getDouble("p95");
                max[i] = rs.getDouble("mx");
                count[i] = rs.getLong("n");
            }
        });
        Map<String, Object> lag = new LinkedHashMap<>();
        lag.put("p50", p50);
        lag.put("p95", p95);
        lag.put("max", max);
        lag.put("deliveries", count);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("buckets", buckets);
        result.put("ordersPerChannel", orders);
        result.put("syncLagMs", lag);
        return result;
    }

    private JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            return mapper.getNodeFactory().textNode(json);
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
