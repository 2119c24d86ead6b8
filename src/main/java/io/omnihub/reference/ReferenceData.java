package io.omnihub.reference;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NodeSink;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hub's reference data (skus, nodes, channels, stores): its one writer, and the one place other features ask
 * whether something exists, what type or sink a node has, and read the lists. The checks answer from {@link ReferenceCache}, so
 * intake and stock events pay no query per message. A failed check throws the one
 * {@link RejectedMessageException} of its kind (UNKNOWN_REFERENCE); {@code field}, when given, starts its reason.
 */
@Component
public class ReferenceData {

    /** A node's type and cost per order, as the policy reports read them. */
    public record NodeInfo(String id, String type, BigDecimal costPerOrder) {
    }

    /** A node as stored: where it is, what it can do and its standing limits. */
    public record Node(String id, String type, double latitude, double longitude, Set<String> capabilities, boolean enabled,
                       Integer dailyOrderCap, int safetyStock, double costPerOrder) {
    }

    /** A channel, whether it lets an order be split, and the nodes it sells from (in id order). */
    public record Channel(String id, boolean allowSplit, List<String> nodeIds) {
    }

    /** A node as the console lists it. */
    public record NodeSummary(String id, String name, String type, boolean enabled) {
    }

    /** An item as the console lists it. */
    public record Item(String sku, String name) {
    }

    /** One page of items whose sku or name contains a text, and how many match in all. */
    public record ItemPage(List<Item> items, long total) {
    }

    /** What a node is: everything but its id, as the reference API and the demo data give it. */
    public record NodeDefinition(String name, String type, double latitude, double longitude, List<String> capabilities,
                                 Integer dailyOrderCap, int safetyStock, BigDecimal costPerOrder, boolean enabled, String sink) {
    }

    private final ReferenceCache cache;
    private final NamedParameterJdbcTemplate jdbc;

    public ReferenceData(ReferenceCache cache, NamedParameterJdbcTemplate jdbc) {
        this.cache = cache;
        this.jdbc = jdbc;
    }

    /** The skus of {@code skus} that are not items of the hub, sorted; empty when all are known. */
    public Set<String> unknownSkus(Collection<String> skus) {
        return cache.unknownSkus(skus);
    }

    /** The nodes of {@code ids} that do not exist, sorted; empty when all do. */
    public Set<String> unknownNodes(Collection<String> ids) {
        Map<String, ReferenceCache.NodeRef> found = cache.nodes(ids);
        Set<String> unknown = new TreeSet<>();
        for (String id : ids) {
            if (!found.containsKey(id)) {
                unknown.add(String.valueOf(id));
            }
        }
        return unknown;
    }

    /** Whether node {@code id} exists. */
    public boolean nodeExists(String id) {
        return cache.node(id) != null;
    }

    /** The type of node {@code id} (WAREHOUSE, STORE, DROPSHIP), or null when there is no such node. */
    public String nodeType(String id) {
        return cache.nodeType(id);
    }

    /** The types of the nodes of {@code ids} that exist, by id. */
    public Map<String, String> nodeTypes(Collection<String> ids) {
        Map<String, String> types = new HashMap<>();
        cache.nodes(ids).forEach((id, n) -> types.put(id, n.type()));
        return types;
    }

    /** The sink of node {@code id}, or null when the node does not exist or has none (NONE). */
    public NodeSink sink(String id) {
        ReferenceCache.NodeRef node = cache.node(id);
        return node == null ? null : NodeSink.of(node.sink());
    }

    /** The sinks of the nodes of {@code ids} as stored (NONE: none), by id; a node that does not exist is left out. */
    public Map<String, String> sinkNames(Collection<String> ids) {
        Map<String, String> sinks = new HashMap<>();
        cache.nodes(ids).forEach((id, n) -> sinks.put(id, n.sink()));
        return sinks;
    }

    /** Whether channel {@code id} is one of the hub's channels. */
    public boolean channelExists(String id) {
        return cache.channelExists(id);
    }

    /** Throws UNKNOWN_REFERENCE naming every sku of {@code skus} that is not an item. */
    public void requireSkus(String field, Collection<String> skus) {
        Set<String> unknown = unknownSkus(skus);
        if (!unknown.isEmpty()) {
            throw unknown(field, "unknown sku " + String.join(", ", unknown));
        }
    }

    /** Throws UNKNOWN_REFERENCE naming every node of {@code ids} that does not exist. */
    public void requireNodes(String field, Collection<String> ids) {
        Set<String> unknown = unknownNodes(ids);
        if (!unknown.isEmpty()) {
            throw unknown(field, "unknown node " + String.join(", ", unknown));
        }
    }

    /** Throws UNKNOWN_REFERENCE when node {@code nodeId} does not exist, then when {@code sku} (if given) is no item. */
    public void requireNodeAndSku(String nodeId, String sku) {
        requireNodes(null, java.util.Collections.singletonList(nodeId));
        if (sku != null) {
            requireSkus(null, List.of(sku));
        }
    }

    /** Throws UNKNOWN_REFERENCE when {@code id} is not one of the hub's channels. */
    public void requireChannel(String field, String id) {
        if (!channelExists(id)) {
            throw unknown(field, "unknown channel " + id);
        }
    }

    /** Throws UNKNOWN_REFERENCE when {@code id} is not a node of type STORE. */
    public void requireStore(String field, String id) {
        if (!"STORE".equals(nodeType(id))) {
            throw unknown(field, "unknown store " + id);
        }
    }

    /** Every node, in id order (read now, not cached). */
    public List<Node> nodes() {
        return jdbc.query("""
                select id, type, latitude, longitude, capabilities, enabled, daily_order_cap, safety_stock, cost_per_order
                from node order by id""", Map.of(), (rs, i) -> {
            java.sql.Array caps = rs.getArray(5);
            return new Node(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4),
                    caps == null ? Set.of() : new java.util.HashSet<>(List.of((String[]) caps.getArray())), rs.getBoolean(6),
                    (Integer) rs.getObject(7), rs.getInt(8), rs.getDouble(9));
        });
    }

    /** Every channel with the nodes it sells from (read now, not cached). */
    public List<Channel> channels() {
        Map<String, List<String>> channelNodes = new HashMap<>();
        jdbc.query("select channel_id, node_id from channel_node order by channel_id, node_id", Map.of(), rs -> {
            channelNodes.computeIfAbsent(rs.getString(1), k -> new java.util.ArrayList<>()).add(rs.getString(2));
        });
        return jdbc.query("select id, allow_split from channel order by id", Map.of(), (rs, i) -> new Channel(rs.getString(1),
                rs.getBoolean(2), channelNodes.getOrDefault(rs.getString(1), List.of())));
    }

    /** Every node's type and cost per order, by id (read now, not cached). */
    public Map<String, NodeInfo> nodeInfos() {
        Map<String, NodeInfo> nodes = new HashMap<>();
        jdbc.query("select id, type, cost_per_order from node", new MapSqlParameterSource(), rs -> {
            nodes.put(rs.getString(1), new NodeInfo(rs.getString(1), rs.getString(2), rs.getBigDecimal(3)));
        });
        return nodes;
    }

    /** Every node, by type then id, as the console lists them. */
    public List<NodeSummary> nodeSummaries() {
        return jdbc.query("select id, name, type, enabled from node order by type, id", Map.of(),
                (rs, i) -> new NodeSummary(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
    }

    /** The ids of every channel, sorted. */
    public List<String> channelIds() {
        return jdbc.queryForList("select id from channel order by id", Map.of(), String.class);
    }

    /** How many items the hub knows. */
    public long skuCount() {
        Long n = jdbc.queryForObject("select count(*) from item", Map.of(), Long.class);
        return n == null ? 0 : n;
    }

    /** How many nodes the hub knows. */
    public long nodeCount() {
        Long n = jdbc.queryForObject("select count(*) from node", Map.of(), Long.class);
        return n == null ? 0 : n;
    }

    /** Items whose sku or name contains {@code text} (any case), by sku, {@code limit} from {@code offset}. */
    public ItemPage items(String text, int limit, int offset) {
        MapSqlParameterSource p = new MapSqlParameterSource("q", "%" + text + "%").addValue("limit", limit).addValue("offset", offset);
        List<Item> items = jdbc.query("""
                select sku, name from item where sku ilike :q or name ilike :q
                order by sku limit :limit offset :offset""", p, (rs, i) -> new Item(rs.getString(1), rs.getString(2)));
        Long total = jdbc.queryForObject("select count(*) from item where sku ilike :q or name ilike :q", p, Long.class);
        return new ItemPage(items, total == null ? 0 : total);
    }

    /** Every node as the reference API lists it (column names as keys), by id. */
    public List<Map<String, Object>> nodeRows() {
        return jdbc.queryForList("""
                select id, name, type, latitude, longitude, array_to_string(capabilities, ',') as capabilities,
                       daily_order_cap, safety_stock, cost_per_order, enabled, sink from node order by id""", Map.of());
    }

    /** Every item as the reference API lists it, by sku. */
    public List<Map<String, Object>> itemRows() {
        return jdbc.queryForList("select sku, name, unit_price from item order by sku", Map.of());
    }

    /** Every channel as the reference API lists it, with its nodes joined by commas, by id. */
    public List<Map<String, Object>> channelRows() {
        return jdbc.queryForList("""
                select c.id, c.name, c.allow_split,
                       coalesce(string_agg(cn.node_id, ',' order by cn.node_id), '') as nodes
                from channel c left join channel_node cn on cn.channel_id = c.id
                group by c.id, c.name, c.allow_split order by c.id""", Map.of());
    }

    /** Adds node {@code id}, or replaces what it is. */
    public void saveNode(String id, NodeDefinition n) {
        jdbc.update("""
                insert into node (id, name, type, latitude, longitude, capabilities, daily_order_cap, safety_stock, cost_per_order, enabled, sink)
                values (:id, :name, :type, :lat, :lon, string_to_array(:caps, ','), :cap, :safety, :cost, :enabled, :sink)
                on conflict (id) do update set name = excluded.name, type = excluded.type, latitude = excluded.latitude,
                    longitude = excluded.longitude, capabilities = excluded.capabilities, daily_order_cap = excluded.daily_order_cap,
                    safety_stock = excluded.safety_stock, cost_per_order = excluded.cost_per_order, enabled = excluded.enabled,
                    sink = excluded.sink""",
                new MapSqlParameterSource("id", id).addValue("name", n.name()).addValue("type", n.type())
                        .addValue("lat", n.latitude()).addValue("lon", n.longitude())
                        .addValue("caps", String.join(",", n.capabilities()))
                        .addValue("cap", n.dailyOrderCap()).addValue("safety", n.safetyStock())
                        .addValue("cost", n.costPerOrder()).addValue("enabled", n.enabled()).addValue("sink", n.sink()));
    }

    /** Adds item {@code sku}, or replaces its name and price. */
    public void saveItem(String sku, String name, BigDecimal unitPrice) {
        jdbc.update("""
                insert into item (sku, name, unit_price) values (:sku, :name, :price)
                on conflict (sku) do update set name = excluded.name, unit_price = excluded.unit_price""",
                new MapSqlParameterSource("sku", sku).addValue("name", name).addValue("price", unitPrice));
    }

    /** Adds channel {@code id}, or replaces its name, split rule and nodes (which must exist), in one transaction. */
    @Transactional
    public void saveChannel(String id, String name, boolean allowSplit, List<String> nodes) {
        jdbc.update("""
                insert into channel (id, name, allow_split) values (:id, :name, :split)
                on conflict (id) do update set name = excluded.name, allow_split = excluded.allow_split""",
                new MapSqlParameterSource("id", id).addValue("name", name).addValue("split", allowSplit));
        jdbc.update("delete from channel_node where channel_id = :id", new MapSqlParameterSource("id", id));
        for (String node : nodes) {
            jdbc.update("insert into channel_node (channel_id, node_id) values (:c, :n)",
                    new MapSqlParameterSource("c", id).addValue("n", node));
        }
    }

    private static RejectedMessageException unknown(String field, String reason) {
        return new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, field == null ? reason : field + ": " + reason);
    }
}
