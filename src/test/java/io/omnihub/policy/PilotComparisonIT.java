package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The pilot beside the active policy over the same period, from real orders routed by the live path while a pilot
 * decided half of them ({@code GET /api/routing/pilot/comparison}).
 */
class PilotComparisonIT extends PolicyTestSupport {

    String order(String sku, String region) {
        String json = """
                {"channelOrderId": "pc-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                 "shipTo": {"city": "New York", "region": "%s", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "lines": [{"lineNo": 1, "sku": "%s", "quantity": 1}]}""".formatted(UUID.randomUUID(), region, sku);
        String id = intake.accept("web", json).orderId();
        routing.route(id, OrderRouting.NEW);
        return id;
    }

    double cost(String node) {
        return jdbc.queryForObject("select cost_per_order from node where id = :id", new MapSqlParameterSource("id", node), Double.class);
    }

    @Test
    void shouldCompareThePilotsFiguresWithTheActivePolicysOverTheSamePeriod() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 50, "ST-MAN", 50);
        String nowhere = TestData.sku(jdbc);
        // a region of its own: the pilot decides no other test's orders
        String region = "PC" + UUID.randomUUID().toString().substring(0, 6).toUpperCase();
        int candidate = post(policyWithShipToHome("SHIP_FROM_STORE", "WAREHOUSE"), "stores first, piloted for the comparison");
        HttpResponse<String> started = call("POST", "/api/routing/policies/" + candidate + "/pilot", "operator",
                Map.of("percent", 50, "region", region));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);

        int piloted = 0;
        int active = 0;
        String pilotOrder = null;
        String activeOrder = null;
        for (int i = 0; i < 16; i++) {
            String id = order(sku, region);
            if (Pilot.inShare(id, 50)) {
                piloted++;
                pilotOrder = id;
            } else {
                active++;
                activeOrder = id;
            }
        }
        String unfulfillable = order(nowhere, region);
        boolean unfulfillableIsPilot = Pilot.inShare(unfulfillable, 50);
        order(sku, "NY");
        assertThat(piloted).as("both sides have orders").isBetween(1, 15);

        JsonNode c = json(call("GET", "/api/routing/pilot/comparison", "viewer", null));

        assertThat(c.path("region").asText()).as("the pilot's own population by default").isEqualTo(region);
        assertThat(c.path("pilotVersion").asInt()).isEqualTo(candidate);
        JsonNode p = c.path("pilot");
        JsonNode a = c.path("active");
        assertThat(p.path("orders").asInt()).isEqualTo(piloted + (unfulfillableIsPilot ? 1 : 0));
        assertThat(a.path("orders").asInt()).as("the NY order is outside the pilot's population").isEqualTo(active + (unfulfillableIsPilot ? 0 : 1));
        assertThat(p.path("routed").asInt()).isEqualTo(piloted);
        assertThat(a.path("routed").asInt()).isEqualTo(active);
        assertThat(p.path("unfulfillable").asInt()).isEqualTo(unfulfillableIsPilot ? 1 : 0);
        assertThat(a.path("unfulfillable").asInt()).isEqualTo(unfulfillableIsPilot ? 0 : 1);
        // the candidate ships from the store, the active policy from the warehouse
        assertThat(p.path("ordersPerNodeType").toString()).isEqualTo("{\"STORE\":" + piloted + "}");
        assertThat(a.path("ordersPerNodeType").toString()).isEqualTo("{\"WAREHOUSE\":" + active + "}");
        assertThat(p.path("ordersPerNode").path("ST-MAN").asInt()).isEqualTo(piloted);
        assertThat(p.path("policyVersions").path(String.valueOf(candidate)).asInt()).isEqualTo(p.path("orders").asInt());
        assertThat(a.path("policyVersions").path(String.valueOf(activeBefore)).asInt()).isEqualTo(a.path("orders").asInt());
        assertThat(p.path("splitRate").asDouble()).isZero();
        assertThat(p.path("shipmentsPerOrder").asDouble()).isEqualTo(1.0);
        assertThat(p.path("costPerOrder").asDouble()).isCloseTo(cost("ST-MAN"), within(0.001));
        assertThat(a.path("costPerOrder").asDouble()).isCloseTo(cost("WH-NJ1"), within(0.001));
        assertThat(p.path("avgDistanceMiles").asDouble())
                .isEqualTo(chosenDistance(pilotOrder)).isEqualTo(p.path("p95DistanceMiles").asDouble());
        assertThat(a.path("avgDistanceMiles").asDouble()).isEqualTo(chosenDistance(activeOrder))
                .isNotEqualTo(p.path("avgDistanceMiles").asDouble());

        Instant before = Instant.parse(c.path("from").asText()).minusSeconds(60);
        JsonNode earlier = json(call("GET", "/api/routing/pilot/comparison?from=" + before + "&to=" + before.plusSeconds(30), "viewer", null));
        assertThat(earlier.path("pilot").path("orders").asInt()).as("an earlier period has none of these orders").isZero();
        assertThat(earlier.path("active").path("orders").asInt()).isZero();
        assertThat(call("GET", "/api/routing/pilot/comparison?from=" + before + "&to=" + before, "viewer", null).statusCode())
                .isEqualTo(400);
    }

    double chosenDistance(String orderId) {
        for (JsonNode cand : decision(orderId).path("candidates")) {
            if ("CHOSEN".equals(cand.path("verdict").asText())) {
                return cand.path("distanceMiles").asDouble();
            }
        }
        throw new AssertionError("no chosen candidate in " + orderId);
    }
}
