package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.orders.OrderStore;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders for operators and the console: one order with its status, reservations, routing explanation and
 * timeline; a list of recent orders; cancel and node rejection.
 */
@RestController
@RequestMapping("/api/orders")
public class OrdersApi {

    private final NamedParameterJdbcTemplate jdbc;
    private final OrderStore orders;
    private final OrderLifecycle lifecycle;
    private final ObjectMapper mapper;

    public OrdersApi(NamedParameterJdbcTemplate jdbc, OrderStore orders, OrderLifecycle lifecycle, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.orders = orders;
        this.lifecycle = lifecycle;
        this.mapper = mapper;
    }

    /** Body of a rejection. */
    public record RejectRequest(String node, Integer line, String reason) {
    }

    /** Body of a cancellation (optional). */
    public record CancelRequest(String reason) {
    }

    @GetMapping
    public List<Map<String, Object>> list(@RequestParam(defaultValue = "50") int limit,
                                          @RequestParam(required = false) String status) {
        int n = Math.max(1, Math.min(limit, 500));
        return jdbc.queryForList("""
                select id, channel, channel_order_id as "channelOrderId", status, fulfillment_type as "fulfillmentType",
                       received_at as "receivedAt", updated_at as "updatedAt", decision->>'summary' as summary
                from orders where (cast(:status as text) is null or status = :status)
                order by received_at desc, id limit :limit""",
                new MapSqlParameterSource("status", status == null || status.isBlank() ? null : status.toUpperCase())
                        .addValue("limit", n));
    }

    @GetMapping("/{id}")
    public Map<String, Object> get(@PathVariable String id) {
        Map<String, Object> row = orders.row(id);
        if (row == null) {
            throw OrderStore.notStored(id);
        }
        MapSqlParameterSource p = new MapSqlParameterSource("id", id);
        Map<String, Object> order = new LinkedHashMap<>(row);
        order.put("order", tree((String) order.remove("payload")));
        order.put("decision", tree((String) order.remove("decision")));
        order.put("reservations", jdbc.queryForList("""
                select id, line_no as "lineNo", node_id as "nodeId", sku, quantity, status, hold_id as "holdId",
                       created_at as "createdAt", updated_at as "updatedAt"
                from reservation where order_id = :id order by id""", p));
        order.put("excludedNodes", jdbc.queryForList("select unnest(excluded_nodes) from order_routing where order_id = :id", p, String.class));
        order.put("timeline", orders.timeline(id));
        return order;
    }

    @PostMapping("/{id}/cancel")
    public OrderLifecycle.Change cancel(@PathVariable String id, @RequestBody(required = false) CancelRequest body) {
        return lifecycle.cancel(id, body == null || body.reason() == null ? "cancelled by an operator" : body.reason());
    }

    @PostMapping("/{id}/reject")
    public OrderLifecycle.Change reject(@PathVariable String id, @RequestBody RejectRequest body) {
        if (body == null || body.node() == null || body.node().isBlank()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "node: is required (the node that rejects the order)");
        }
        return lifecycle.reject(id, body.node(), body.line(), body.reason());
    }

    private JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
