package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.canonical.OrderLine;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.inventory.StockLedger;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What-if simulation on a window recorded by the live path in this test: the active policy reproduces every
 * decision, "no ship from store" moves exactly the store orders, and nothing live is touched.
 */
class RoutingSimulationIT extends PolicyTestSupport {

    @Autowired
    Simulations simulations;
    @Autowired
    StockLedger ledger;
    @Autowired
    TransactionTemplate tx;

    record Window(Instant from, Instant to, String a, String b, List<String> orders) {
    }

    Instant dbNow() {
        return jdbc.queryForObject("select clock_timestamp()", new MapSqlParameterSource(), Timestamp.class).toInstant();
    }

    String order(List<OrderLine> lines) {
        StringBuilder l = new StringBuilder();
        for (OrderLine line : lines) {
            l.append(l.isEmpty() ? "" : ",").append("{\"lineNo\": %d, \"sku\": \"%s\", \"quantity\": %d}"
                    .formatted(line.lineNo(), line.sku(), line.quantity()));
        }
        String body = """
                {"channelOrderId": "sim-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                 "shipTo": {"city": "New York", "region": "NY", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "lines": [%s]}""".formatted(UUID.randomUUID(), l);
        String id = intake.accept("web", body).orderId();
        routing.route(id, OrderRouting.NEW);
        return id;
    }

    /** Seven web orders routed one at a time by the live path, with a receipt at the warehouse in between. */
    Window record() {
        String a = TestData.sku(jdbc, "WH-NJ1", 2, "ST-MAN", 3, "ST-BRK", 4);
        String b = TestData.sku(jdbc, "WH-NJ1", 1, "ST-BRK", 3);
        Instant from = dbNow();
        List<String> ids = new ArrayList<>();
        ids.add(order(List.of(new OrderLine(1, a, 1, null))));
        ids.add(order(List.of(new OrderLine(1, a, 1, null))));
        ids.add(order(List.of(new OrderLine(1, a, 1, null))));
        tx.executeWithoutResult(s -> ledger.adjustOnHand("WH-NJ1", a, 1, StockLedger.Kind.RECEIPT, "PO-SIM", "receipt"));
        ids.add(order(List.of(new OrderLine(1, a, 1, null))));
        ids.add(order(List.of(new OrderLine(1, a, 1, null), new OrderLine(2, b, 1, null))));
        ids.add(order(List.of(new OrderLine(1, a, 2, null))));
        ids.add(order(List.of(new OrderLine(1, b, 1, null))));
        Instant to = dbNow().plusMillis(1);
        return new Window(from, to, a, b, ids);
    }

    /** Everything live that a simulation must not touch, for the window's skus and orders. */
    Map<String, Object> live(Window w) {
        MapSqlParameterSource p = new MapSqlParameterSource("skus", List.of(w.a(), w.b())).addValue("ids", w.orders());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stock", jdbc.queryForList("select node_id, sku, on_hand, reserved, needs_count from stock where sku in (:skus) order by 1, 2", p));
        m.put("ledger", jdbc.queryForObject("select count(*) || '/' || coalesce(max(id), 0) from ledger_entry where sku in (:skus)", p, String.class));
        m.put("reservations", jdbc.queryForList("select id, status, quantity from reservation where sku in (:skus) order by id", p));
        m.put("orders", jdbc.queryForList("select id, status, updated_at, decision::text from orders where id in (:ids) order by id", p));
        m.put("outbox", jdbc.queryForObject("select count(*) from outbox where msg_key in (:skus) or msg_key in (:ids)", p, Integer.class));
        // (the timeline is left out: the live fulfillment routes keep adding "request sent" events meanwhile)
        return m;
    }

    @Test
    void simulatingARecordedWindowWithThePolicyThatWasActiveReproducesEveryDecision() {
        Window w = record();
        assertThat(w.orders()).allSatisfy(id -> assertThat(decision(id).path("policyVersion").asText()).isEqualTo(String.valueOf(activeBefore)));
        // the window has every kind of decision: warehouse, store, split or whole order at a store, unfulfillable
        assertThat(w.orders().stream().map(id -> decision(id).path("outcome").asText())).contains("ROUTED", "UNFULFILLABLE");

        SimulationReport report = simulations.simulate(new Simulations.Request(activeBefore, null, w.from(), w.to(), "web", null),
                store.policy(activeBefore), null);

        assertThat(report.orders()).isEqualTo(7);
        assertThat(report.changed()).as(report.toString()).isEmpty();
        assertThat(report.simulated()).isEqualTo(report.actual());
        assertThat(report.actual().undecided()).isZero();
    }

    @Test
    void noShipFromStoreMovesExactlyTheStoreOrdersAndTouchesNothingLive() {
        Window w = record();
        Set<String> storeOrders = new HashSet<>();
        for (String id : w.orders()) {
            JsonNode d = decision(id);
            d.path("shipments").forEach(s -> {
                if (s.path("nodeId").asText().startsWith("ST-")) {
                    storeOrders.add(id);
                }
            });
        }
        assertThat(storeOrders).isNotEmpty();
        Map<String, Object> before = live(w);

        Map<String, Object> body = Map.of("document", policyWithShipToHome("WAREHOUSE"), "from", w.from().toString(),
                "to", w.to().toString(), "channel", "web");
        HttpResponse<String> started = call("POST", "/api/routing/simulations", "operator", body);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = json(started).path("id").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> !json(call("GET", "/api/routing/simulations/" + id, "viewer", null))
                .path("status").asText().equals("RUNNING"));
        JsonNode sim = json(call("GET", "/api/routing/simulations/" + id, "viewer", null));
        assertThat(sim.path("status").asText()).as(sim.toString()).isEqualTo("DONE");
        assertThat(sim.path("done").asInt()).isEqualTo(7);
        assertThat(sim.path("total").asInt()).isEqualTo(7);
        JsonNode report = sim.path("report");

        Set<String> changed = new HashSet<>(report.path("changed").findValuesAsText("orderId"));
        assertThat(changed).isEqualTo(storeOrders);
        assertThat(report.path("changedCount").asInt()).isEqualTo(storeOrders.size());
        report.path("changed").forEach(c -> {
            assertThat(c.path("actualNodes").toString()).contains("ST-");
            String simNodes = c.path("simulatedNodes").toString();
            assertThat(c.path("simulatedOutcome").asText().equals("UNFULFILLABLE") || simNodes.equals("[\"WH-NJ1\"]"))
                    .as(c.toString()).isTrue();
            assertThat(c.path("actualSummary").asText()).isNotBlank();
            assertThat(c.path("simulatedSummary").asText()).isNotBlank();
        });
        assertThat(report.path("simulated").path("ordersPerNodeType").has("STORE")).isFalse();
        assertThat(report.path("actual").path("ordersPerNodeType").path("STORE").asInt()).isEqualTo(storeOrders.size());
        int unfulfillableMore = report.path("simulated").path("unfulfillable").asInt() - report.path("actual").path("unfulfillable").asInt();
        assertThat(unfulfillableMore).isBetween(0, storeOrders.size());

        assertThat(live(w)).isEqualTo(before);
    }

    @Test
    void aSimulationNeedsAPolicyAndAWindow() {
        HttpResponse<String> r = call("POST", "/api/routing/simulations", "operator", Map.of("from", Instant.now().toString(),
                "to", Instant.now().minusSeconds(5).toString(), "version", 1));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).contains("to after from");
        HttpResponse<String> bad = call("POST", "/api/routing/simulations", "operator", Map.of("from", Instant.now().minusSeconds(5).toString(),
                "to", Instant.now().toString(), "document", "scoring: {distance: -1}"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).path("problems").findValuesAsText("path")).contains("$.rules");
        assertThat(call("GET", "/api/routing/simulations/SIM-NOPE", "viewer", null).statusCode()).isEqualTo(404);
        assertThat(call("POST", "/api/routing/simulations", "viewer", Map.of()).statusCode()).isEqualTo(403);
    }
}
