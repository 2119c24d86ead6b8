package io.omnihub.inventory;

import io.omnihub.routing.StockView;
import io.omnihub.routing.StockView.Node;
import io.omnihub.routing.StockView.NodeType;
import io.omnihub.routing.StockView.SkuStock;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Array;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the router's {@link StockView} for one order from PostgreSQL (inside the caller's transaction). A node paused
 * for new orders (table node_pause, rejection reason NO_CAPACITY) is shown as disabled until its pause ends.
 */
@Component
public class StockViews {

    private final NamedParameterJdbcTemplate jdbc;

    public StockViews(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The nodes {@code channel} sells from, with today's counts and load, and their stock of {@code skus}. */
    public StockView build(String channel, Collection<String> skus, Set<String> excludedNodes, boolean withLoad) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", channel).addValue("skus", skus);
        StockView.Channel ch = jdbc.query("select id, allow_split from channel where id = :channel", p,
                        (rs, i) -> new StockView.Channel(rs.getString("id"), rs.getBoolean("allow_split")))
                .stream().findFirst().orElse(new StockView.Channel(channel, false));
        Map<String, Node> nodes = new LinkedHashMap<>();
        nodes(List.of(channel), withLoad, (ch2, node, sink) -> nodes.put(node.id(), node));
        Map<String, Map<String, SkuStock>> stock = new HashMap<>();
        if (!skus.isEmpty()) {
            jdbc.query("select node_id, sku, on_hand, reserved, safety_stock from stock where sku in (:skus)", p, rs -> {
                stock.computeIfAbsent(rs.getString("node_id"), k -> new HashMap<>()).put(rs.getString("sku"),
                        new SkuStock(rs.getInt("on_hand"), rs.getInt("reserved"), (Integer) rs.getObject("safety_stock")));
            });
        }
        return new StockView(ch, nodes, stock, excludedNodes);
    }

    /** One row of {@link #nodes}: a node a channel sells from, with its sink. */
    public interface NodeRow {
        void accept(String channel, Node node, String sink);
    }

    /**
     * The nodes each of {@code channels} sells from, in node id order, with today's order count and the load counter
     * ({@code node_load}: the node's open reservation rows of orders; zero unless {@code withLoad}). A node paused
     * for new orders is disabled.
     */
    public void nodes(Collection<String> channels, boolean withLoad, NodeRow each) {
        jdbc.query("""
                select cn.channel_id, n.id, n.type, n.latitude, n.longitude, n.capabilities,
                       n.enabled and not exists (select 1 from node_pause p where p.node_id = n.id and p.until > now()) as enabled,
                       n.daily_order_cap, n.safety_stock, n.cost_per_order, n.sink, coalesce(d.orders, 0) as orders_today,
                       coalesce(l.open_reservations, 0) as open_reservations
                from node n
                join channel_node cn on cn.node_id = n.id and cn.channel_id = any(cast(:channels as text[]))
                left join node_daily_orders d on d.node_id = n.id and d.day = current_date
                left join node_load l on l.node_id = n.id
                order by cn.channel_id, n.id""", new MapSqlParameterSource("channels", channels.toArray(String[]::new)), rs -> {
            String id = rs.getString("id");
            Integer cap = (Integer) rs.getObject("daily_order_cap");
            each.accept(rs.getString("channel_id"), new Node(id, NodeType.valueOf(rs.getString("type")), rs.getDouble("latitude"),
                    rs.getDouble("longitude"), strings(rs.getArray("capabilities")), rs.getBoolean("enabled"), cap,
                    rs.getInt("orders_today"), rs.getInt("safety_stock"), rs.getDouble("cost_per_order"),
                    withLoad ? rs.getInt("open_reservations") : 0), rs.getString("sink"));
        });
    }

    /** The channels' own facts; a channel not in the table does not allow splits. */
    public Map<String, StockView.Channel> channels(Collection<String> channels) {
        Map<String, StockView.Channel> found = new HashMap<>();
        jdbc.query("select id, allow_split from channel where id = any(cast(:channels as text[]))",
                new MapSqlParameterSource("channels", channels.toArray(String[]::new)), rs -> {
                    found.put(rs.getString(1), new StockView.Channel(rs.getString(1), rs.getBoolean(2)));
                });
        channels.forEach(c -> found.putIfAbsent(c, new StockView.Channel(c, false)));
        return found;
    }

    /** One stock row as the console's inventory grid shows it: figures, what the node may promise, count flag. */
    public record StockRow(String sku, String nodeId, int onHand, int reserved, int safety, int atp, boolean needsCount,
                           java.time.Instant updatedAt) {
    }

    /** The stock rows of {@code skus} at every node (safety stock: the row's own, else the node's). */
    public List<StockRow> rows(Collection<String> skus) {
        if (skus.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select s.sku, s.node_id, s.on_hand, s.reserved, coalesce(s.safety_stock, n.safety_stock) as safety,
                       greatest(s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock), 0) as atp,
                       s.needs_count, s.updated_at
                from stock s join node n on n.id = s.node_id where s.sku in (:skus)""", new MapSqlParameterSource("skus", skus),
                (rs, i) -> new StockRow(rs.getString("sku"), rs.getString("node_id"), rs.getInt("on_hand"), rs.getInt("reserved"),
                        rs.getInt("safety"), rs.getInt("atp"), rs.getBoolean("needs_count"),
                        rs.getTimestamp("updated_at") == null ? null : rs.getTimestamp("updated_at").toInstant()));
    }

    public static Set<String> strings(Array array) throws SQLException {
        if (array == null) {
            return Set.of();
        }
        return new HashSet<>(List.of((String[]) array.getArray()));
    }
}
