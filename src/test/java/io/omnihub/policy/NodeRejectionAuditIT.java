package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.omnihub.fulfillment.OrderLifecycle;
import io.omnihub.inventory.StockLedger;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each rejection reason's effect on stock, and the node audit with its alert, end to end. */
class NodeRejectionAuditIT extends PolicyTestSupport {

    @Autowired
    OrderLifecycle lifecycle;
    @Autowired
    StockLedger ledger;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    MeterRegistry meters;

    MapSqlParameterSource p(String node, String sku) {
        return new MapSqlParameterSource("n", node).addValue("s", sku);
    }

    Map<String, Object> stock(String node, String sku) {
        return jdbc.queryForMap("select on_hand, reserved, needs_count from stock where node_id = :n and sku = :s", p(node, sku));
    }

    HttpResponse<String> reject(String orderId, String node, String reason) {
        return call("POST", "/api/orders/" + orderId + "/reject", "operator", Map.of("node", node, "reason", reason));
    }

    String status(String orderId) {
        return jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class);
    }

    Instant dbNow() {
        return jdbc.queryForObject("select clock_timestamp()", new MapSqlParameterSource(), Timestamp.class).toInstant();
    }

    @Test
    void notFoundLeavesNothingToPromiseAtTheNodeUntilTheNextCount() {
        String sku = TestData.sku(jdbc, "ST-MAN", 6);
        String first = routedOrder(sku, 1);
        String second = routedOrder(sku, 1);
        assertThat(nodes(decision(first))).isEqualTo("ST-MAN");
        long outboxBefore = jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :s", p(null, sku), Long.class);

        HttpResponse<String> r = reject(first, "ST-MAN", "NOT_FOUND: not on the shelf");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        // the second order's unit stays reserved; nothing more to promise: on hand = reserved
        assertThat(stock("ST-MAN", sku)).containsEntry("on_hand", 1).containsEntry("reserved", 1).containsEntry("needs_count", true);
        assertThat(jdbc.queryForList("select kind from ledger_entry where sku = :s and reference = :o order by id",
                p(null, sku).addValue("o", first), String.class)).contains("RELEASE", "SNAPSHOT", "NOT_FOUND");
        assertThat(jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :s", p(null, sku), Long.class))
                .isGreaterThan(outboxBefore);
        assertThat(status(first)).isEqualTo("UNFULFILLABLE");
        assertThat(status(second)).isEqualTo("ROUTED");
        // a new order finds nothing at the store
        assertThat(decision(routedOrder(sku, 1)).path("outcome").asText()).isEqualTo("UNFULFILLABLE");

        // the next count sets the real figure and clears the flag
        tx.executeWithoutResult(s -> ledger.setOnHand("ST-MAN", sku, 5, "COUNT-1", "cycle count"));
        assertThat(stock("ST-MAN", sku)).containsEntry("on_hand", 5).containsEntry("needs_count", false);
        assertThat(nodes(decision(routedOrder(sku, 1)))).isEqualTo("ST-MAN");
    }

    @Test
    void damagedTakesTheQuantityOutOfSellableStock() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String id = routedOrder(sku, 2);
        OrderLifecycle.Change change = lifecycle.reject(id, "WH-NJ1", null, "Damaged in the pick");
        assertThat(change.detail()).contains("out of sellable stock");
        assertThat(stock("WH-NJ1", sku)).containsEntry("on_hand", 3).containsEntry("reserved", 0).containsEntry("needs_count", false);
        assertThat(jdbc.queryForObject("select on_hand_delta from ledger_entry where sku = :s and kind = 'DAMAGED'", p(null, sku), Integer.class))
                .isEqualTo(-2);
        assertThat(jdbc.queryForObject("select reason from node_rejection where order_id = :o", new MapSqlParameterSource("o", id), String.class))
                .isEqualTo("DAMAGED");
    }

    @Test
    void noCapacityPausesTheNodeForNewOrders() {
        String sku = TestData.sku(jdbc, "ST-BRK", 8);
        String id = routedOrder(sku, 1);
        assertThat(nodes(decision(id))).isEqualTo("ST-BRK");
        try {
            assertThat(reject(id, "ST-BRK", "no capacity today").statusCode()).isEqualTo(200);
            assertThat(jdbc.queryForObject("select until > now() + interval '50 minutes' from node_pause where node_id = 'ST-BRK'",
                    new MapSqlParameterSource(), Boolean.class)).isTrue();
            JsonNode next = decision(routedOrder(sku, 1));
            assertThat(next.path("outcome").asText()).isEqualTo("UNFULFILLABLE");
            assertThat(next.path("candidates").toString()).contains("node is disabled");
            JsonNode audit = json(call("GET", "/api/routing/audit", "viewer", null));
            assertThat(audit.path("nodes").findParents("nodeId").stream().filter(n -> n.path("nodeId").asText().equals("ST-BRK"))
                    .findFirst().orElseThrow().path("paused").asBoolean()).isTrue();
        } finally {
            jdbc.update("delete from node_pause where node_id = 'ST-BRK'", new MapSqlParameterSource());
        }
        assertThat(nodes(decision(routedOrder(sku, 1)))).isEqualTo("ST-BRK");
    }

    JsonNode nodeAudit(Instant from, Instant to, String node) {
        HttpResponse<String> r = call("GET", "/api/routing/audit?from=" + from + "&to=" + to, "viewer", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("nodes").findParents("nodeId").stream().filter(n -> n.path("nodeId").asText().equals(node))
                .findFirst().orElseThrow();
    }

    @Test
    void aNodeRejectingTooManyOrdersRaisesTheAlert() {
        String sku = TestData.sku(jdbc, "ST-LIC", 30);
        Instant from = dbNow();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(routedOrder(sku, 1));
        }
        assertThat(ids).allSatisfy(id -> assertThat(nodes(decision(id))).isEqualTo("ST-LIC"));
        Instant beforeRejections = dbNow();
        double raisedBefore = meters.counter("omnihub.routing.node.alerts").count();

        JsonNode calm = nodeAudit(from, beforeRejections, "ST-LIC");
        assertThat(calm.path("ordersRouted").asInt()).isEqualTo(5);
        assertThat(calm.path("alerts")).isEmpty();
        assertThat(meters.get("omnihub.routing.node.alert").tag("node", "ST-LIC").tag("kind", "REJECTION_RATE").gauge().value()).isZero();

        lifecycle.reject(ids.get(0), "ST-LIC", null, "NOT_FOUND");
        lifecycle.reject(ids.get(1), "ST-LIC", null, "customer address problem");
        JsonNode hot = nodeAudit(from, dbNow().plusMillis(1), "ST-LIC");

        assertThat(hot.path("rejections").asInt()).isEqualTo(2);
        assertThat(hot.path("rejectionsByReason").path("NOT_FOUND").asInt()).isEqualTo(1);
        assertThat(hot.path("rejectionsByReason").path("OTHER").asInt()).isEqualTo(1);
        assertThat(hot.path("rejectionRate").asDouble()).isEqualTo(0.4);
        assertThat(hot.path("alerts").toString()).contains("REJECTION_RATE");
        assertThat(meters.get("omnihub.routing.node.alert").tag("node", "ST-LIC").tag("kind", "REJECTION_RATE").gauge().value()).isEqualTo(1.0);
        assertThat(meters.counter("omnihub.routing.node.alerts").count()).isEqualTo(raisedBefore + 1);
    }

    @Test
    void aNodeSlowToShipRaisesTheTimeToShipAlert() {
        String sku = TestData.sku(jdbc, "ST-LIC", 10);
        String id = routedOrder(sku, 1);
        // routed three days ago (the reservation is backdated), shipped now
        jdbc.update("update reservation set created_at = created_at - interval '3 days' where order_id = :o", new MapSqlParameterSource("o", id));
        lifecycle.shipped(id, "ST-LIC", "UPS", "1Z-SLOW");
        Instant routedAt = jdbc.queryForObject("select created_at from reservation where order_id = :o", new MapSqlParameterSource("o", id),
                Timestamp.class).toInstant();

        JsonNode slow = nodeAudit(routedAt.minusSeconds(1), routedAt.plusSeconds(1), "ST-LIC");

        assertThat(slow.path("shipped").asInt()).isEqualTo(1);
        assertThat(slow.path("hoursToShipP95").asDouble()).isGreaterThan(71.0);
        assertThat(slow.path("alerts").toString()).contains("TIME_TO_SHIP");
        assertThat(meters.get("omnihub.routing.node.alert").tag("node", "ST-LIC").tag("kind", "TIME_TO_SHIP").gauge().value()).isEqualTo(1.0);
    }
}
