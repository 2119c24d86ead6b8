package io.omnihub.reference;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reference data a retailer maintains: fulfillment nodes, items and channels (with the nodes whose stock each
 * channel sells). The demo profile seeds them; in production they are loaded through this API. Stock itself
 * changes only through stock events and the ledger, never here.
 */
@RestController
@RequestMapping("/api")
public class ReferenceDataController {

    static final Set<String> CAPABILITIES = Set.of("SHIP_TO_HOME", "PICKUP_IN_STORE", "CURBSIDE", "SAME_DAY", "SHIP_FROM_STORE");

    /** A fulfillment node. */
    public record NodeDto(
            @NotBlank String name,
            @NotNull @Pattern(regexp = "WAREHOUSE|STORE|DROPSHIP", message = "must be WAREHOUSE, STORE or DROPSHIP") String type,
            @NotNull @DecimalMin("-90") @DecimalMax("90") Double latitude,
            @NotNull @DecimalMin("-180") @DecimalMax("180") Double longitude,
            List<@Pattern(regexp = "SHIP_TO_HOME|PICKUP_IN_STORE|CURBSIDE|SAME_DAY|SHIP_FROM_STORE",
                    message = "must be one of SHIP_TO_HOME, PICKUP_IN_STORE, CURBSIDE, SAME_DAY, SHIP_FROM_STORE") String> capabilities,
            @Min(0) Integer dailyOrderCap,
            @Min(0) Integer safetyStock,
            @DecimalMin("0") BigDecimal costPerOrder,
            Boolean enabled,
            @Pattern(regexp = "NONE|WMS_SFTP|STORE_HTTP|STORE_KAFKA|PARTNER_SFTP",
                    message = "must be NONE, WMS_SFTP, STORE_HTTP, STORE_KAFKA or PARTNER_SFTP") String sink) {
    }

    /** An item. */
    public record ItemDto(@NotBlank String name, @DecimalMin("0") BigDecimal unitPrice) {
    }

    /** A channel and the nodes whose stock it sells. */
    public record ChannelDto(@NotBlank String name, Boolean allowSplit, @NotNull List<@NotBlank String> nodes) {
    }

    private static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private final NamedParameterJdbcTemplate jdbc;
    private final ReferenceData references;

    public ReferenceDataController(NamedParameterJdbcTemplate jdbc, ReferenceData references) {
        this.jdbc = jdbc;
        this.references = references;
    }

    @GetMapping("/nodes")
    public List<Map<String, Object>> nodes() {
        return jdbc.queryForList("""
                select id, name, type, latitude, longitude, array_to_string(capabilities, ',') as capabilities,
                       daily_order_cap, safety_stock, cost_per_order, enabled, sink from node order by id""", Map.of());
    }

    @PutMapping("/nodes/{id}")
    @Transactional
    public ResponseEntity<Map<String, Object>> putNode(@PathVariable String id, @Valid @RequestBody NodeDto n) {
        requireId(id);
        jdbc.update("""
                insert into node (id, name, type, latitude, longitude, capabilities, daily_order_cap, safety_stock, cost_per_order, enabled, sink)
                values (:id, :name, :type, :lat, :lon, string_to_array(:caps, ','), :cap, :safety, :cost, :enabled, :sink)
                on conflict (id) do update set name = excluded.name, type = excluded.type, latitude = excluded.latitude,
                    longitude = excluded.longitude, capabilities = excluded.capabilities, daily_order_cap = excluded.daily_order_cap,
                    safety_stock = excluded.safety_stock, cost_per_order = excluded.cost_per_order, enabled = excluded.enabled,
                    sink = excluded.sink""",
                new MapSqlParameterSource("id", id).addValue("name", n.name()).addValue("type", n.type())
                        .addValue("lat", n.latitude()).addValue("lon", n.longitude())
                        .addValue("caps", String.join(",", n.capabilities() == null ? List.of() : n.capabilities()))
                        .addValue("cap", n.dailyOrderCap())
                        .addValue("safety", n.safetyStock() == null ? 0 : n.safetyStock())
                        .addValue("cost", n.costPerOrder() == null ? BigDecimal.ZERO : n.costPerOrder())
                        .addValue("enabled", n.enabled() == null || n.enabled())
                        .addValue("sink", n.sink() == null ? "NONE" : n.sink()));
        return ResponseEntity.ok(Map.of("id", id, "status", "SAVED"));
    }

    @GetMapping("/items")
    public List<Map<String, Object>> items() {
        return jdbc.queryForList("select sku, name, unit_price from item order by sku", Map.of());
    }

    @PutMapping("/items/{sku}")
    public ResponseEntity<Map<String, Object>> putItem(@PathVariable String sku, @Valid @RequestBody ItemDto item) {
        requireId(sku);
        jdbc.update("""
                insert into item (sku, name, unit_price) values (:sku, :name, :price)
                on conflict (sku) do update set name = excluded.name, unit_price = excluded.unit_price""",
                new MapSqlParameterSource("sku", sku).addValue("name", item.name()).addValue("price", item.unitPrice()));
        return ResponseEntity.ok(Map.of("sku", sku, "status", "SAVED"));
    }

    @GetMapping("/channels")
    public List<Map<String, Object>> channels() {
        return jdbc.queryForList("""
                select c.id, c.name, c.allow_split,
                       coalesce(string_agg(cn.node_id, ',' order by cn.node_id), '') as nodes
                from channel c left join channel_node cn on cn.channel_id = c.id
                group by c.id, c.name, c.allow_split order by c.id""", Map.of());
    }

    @PutMapping("/channels/{id}")
    @Transactional
    public ResponseEntity<Map<String, Object>> putChannel(@PathVariable String id, @Valid @RequestBody ChannelDto c) {
        if (!id.matches("[a-z0-9][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("channel id must be lower-case letters, digits and dashes: " + id);
        }
        Set<String> missing = references.unknownNodes(c.nodes());
        List<String> unknown = c.nodes().stream().filter(missing::contains).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("nodes: unknown node " + String.join(", ", unknown));
        }
        jdbc.update("""
                insert into channel (id, name, allow_split) values (:id, :name, :split)
                on conflict (id) do update set name = excluded.name, allow_split = excluded.allow_split""",
                new MapSqlParameterSource("id", id).addValue("name", c.name()).addValue("split", c.allowSplit() == null || c.allowSplit()));
        jdbc.update("delete from channel_node where channel_id = :id", new MapSqlParameterSource("id", id));
        for (String node : c.nodes()) {
            jdbc.update("insert into channel_node (channel_id, node_id) values (:c, :n)",
                    new MapSqlParameterSource("c", id).addValue("n", node));
        }
        return ResponseEntity.ok(Map.of("id", id, "status", "SAVED"));
    }

    private static void requireId(String id) {
        if (!id.matches(ID)) {
            throw new IllegalArgumentException("id must be 1-64 letters, digits, dot, dash or underscore: " + id);
        }
    }
}
