package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The routing policy as versioned data, changed live through the API: the next order is routed with it. */
class RoutingPolicyApiIT extends PolicyTestSupport {

    @Test
    void aNewVersionDecidesTheNextOrderAndRollbackRestoresTheOldBehaviour() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10, "ST-MAN", 10);
        String first = routedOrder(sku, 1);
        assertThat(nodes(decision(first))).isEqualTo("WH-NJ1");
        assertThat(decision(first).path("policyVersion").asText()).isEqualTo(String.valueOf(activeBefore));

        int storeFirst = post(policyWithShipToHome("SHIP_FROM_STORE", "WAREHOUSE"), "stores first");
        // stored, not yet active: still the warehouse
        assertThat(nodes(decision(routedOrder(sku, 1)))).isEqualTo("WH-NJ1");
        HttpResponse<String> activated = call("POST", "/api/routing/policies/" + storeFirst + "/activate", "operator", null);
        assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
        assertThat(json(activated).path("version").asInt()).isEqualTo(storeFirst);

        JsonNode second = decision(routedOrder(sku, 1));
        assertThat(nodes(second)).isEqualTo("ST-MAN");
        assertThat(second.path("policyVersion").asText()).isEqualTo(String.valueOf(storeFirst));
        assertThat(second.path("shipments").get(0).path("rule").asText()).isEqualTo("ship from store");

        // rollback: activate the earlier version again
        assertThat(call("POST", "/api/routing/policies/" + activeBefore + "/activate", "operator", null).statusCode()).isEqualTo(200);
        JsonNode third = decision(routedOrder(sku, 1));
        assertThat(nodes(third)).isEqualTo("WH-NJ1");
        assertThat(third.path("policyVersion").asText()).isEqualTo(String.valueOf(activeBefore));

        JsonNode list = json(call("GET", "/api/routing/policies", "viewer", null));
        assertThat(list.path("inForce").path("version").asInt()).isEqualTo(activeBefore);
        assertThat(list.path("activations").get(0).path("version").asInt()).isEqualTo(activeBefore);
        assertThat(list.path("activations").get(1).path("version").asInt()).isEqualTo(storeFirst);
        JsonNode one = json(call("GET", "/api/routing/policies/" + storeFirst, "viewer", null));
        assertThat(one.path("version").path("author").asText()).isEqualTo("operator");
        assertThat(one.path("version").path("comment").asText()).isEqualTo("stores first");
        assertThat(one.path("policy").path("rules").path("SHIP_TO_HOME").get(0).path("source").asText()).isEqualTo("SHIP_FROM_STORE");
    }

    @Test
    void theRepositoryPolicyIsVersionOne() {
        JsonNode one = json(call("GET", "/api/routing/policies/1", "viewer", null));
        assertThat(one.path("version").path("author").asText()).isEqualTo("repository");
        assertThat(one.path("document").asText()).contains("SHIP_TO_HOME").contains("ship from store");
        assertThat(call("GET", "/api/routing/policies/99999", "viewer", null).statusCode()).isEqualTo(404);
    }

    @Test
    void aYamlDocumentWrappedLikeTheRepositoryFileIsAccepted() {
        String yaml = "omnihub:\n  routing:\n" + store.document(1).lines().filter(l -> !l.startsWith("#"))
                .map(l -> "    " + l).reduce("", (a, b) -> a + b + "\n");
        int v = post(yaml, "copied from the file");
        assertThat(store.policy(v).version()).isEqualTo(String.valueOf(v));
        assertThat(store.policy(v).rules()).isEqualTo(store.policy(1).rules());
    }

    @Test
    void aScheduledWindowIsInForceUntilItEndsThenTheActivatedVersionComesBack() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10, "ST-MAN", 10);
        ObjectNode doc = policyWithShipToHome("SHIP_FROM_STORE");
        Map<String, Object> body = Map.of("document", doc, "comment", "black friday: stores only",
                "windowStart", Instant.now().minusSeconds(60).toString(), "windowEnd", Instant.now().plusSeconds(8).toString());
        HttpResponse<String> r = call("POST", "/api/routing/policies", "operator", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        int windowed = json(r).path("version").asInt();

        JsonNode during = decision(routedOrder(sku, 1));
        assertThat(during.path("policyVersion").asText()).isEqualTo(String.valueOf(windowed));
        assertThat(nodes(during)).isEqualTo("ST-MAN");

        await().atMost(Duration.ofSeconds(40)).until(() -> store.inForce().version() == activeBefore);
        JsonNode after = decision(routedOrder(sku, 1));
        assertThat(after.path("policyVersion").asText()).isEqualTo(String.valueOf(activeBefore));
        assertThat(nodes(after)).isEqualTo("WH-NJ1");
    }

    @Test
    void anExistingVersionCanBeScheduledAndUnscheduled() {
        int v = post(policyWithShipToHome("WAREHOUSE", "DROPSHIP"), "for the weekend");
        HttpResponse<String> r = call("POST", "/api/routing/policies/" + v + "/schedule", "operator",
                Map.of("start", Instant.now().minusSeconds(60).toString(), "end", Instant.now().plusSeconds(3600).toString()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(store.inForce().version()).isEqualTo(v);
        assertThat(store.inForce().activated()).isEqualTo(activeBefore);
        assertThat(call("POST", "/api/routing/policies/" + v + "/schedule", "operator",
                Map.of("start", Instant.now().toString(), "end", Instant.now().minusSeconds(5).toString())).statusCode()).isEqualTo(400);
        assertThat(call("DELETE", "/api/routing/policies/" + v + "/schedule", "operator", null).statusCode()).isEqualTo(200);
        assertThat(store.inForce().windowed()).isNull();
        assertThat(store.inForce().version()).isEqualTo(activeBefore);
    }

    @Test
    void aTestDriveDecidesAgainstCurrentStockAndReservesNothing() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 0, "ST-BRK", 6);
        int stores = post(policyWithShipToHome("WAREHOUSE", "SHIP_FROM_STORE"), "candidate");
        Map<String, Object> body = Map.of("version", stores, "order", json(canonical("web", sku, 2))
                .put("channel", "web"));
        HttpResponse<String> r = call("POST", "/api/routing/test-drive", "operator", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode d = json(r);
        assertThat(d.path("outcome").asText()).isEqualTo("ROUTED");
        assertThat(nodes(d)).isEqualTo("ST-BRK");
        assertThat(d.path("policyVersion").asText()).isEqualTo(String.valueOf(stores));
        // a document instead of a version: warehouse only, nothing there
        HttpResponse<String> none = call("POST", "/api/routing/test-drive", "operator", Map.of("document",
                policyWithShipToHome("WAREHOUSE"), "order", json(canonical("web", sku, 2)).put("channel", "web")));
        assertThat(json(none).path("outcome").asText()).isEqualTo("UNFULFILLABLE");
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        assertThat(jdbc.queryForObject("select sum(reserved) from stock where sku = :sku", p, Integer.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :sku", p, Integer.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from reservation where sku = :sku", p, Integer.class)).isZero();
    }

    @Test
    void aPilotDecidesItsShareOfOrdersAndTheDecisionSaysSo() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 50, "ST-MAN", 50);
        int candidate = post(policyWithShipToHome("SHIP_FROM_STORE", "WAREHOUSE"), "stores first, piloted");
        HttpResponse<String> r = call("POST", "/api/routing/policies/" + candidate + "/pilot", "operator",
                Map.of("percent", 50, "channel", "web"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("pilot").path("version").asInt()).isEqualTo(candidate);
        int piloted = 0;
        for (int i = 0; i < 12; i++) {
            String id = routedOrder(sku, 1);
            JsonNode d = decision(id);
            boolean inShare = Pilot.inShare(id, 50);
            assertThat(d.path("pilot").asBoolean(false)).as(id).isEqualTo(inShare);
            assertThat(d.path("policyVersion").asText()).isEqualTo(String.valueOf(inShare ? candidate : activeBefore));
            assertThat(nodes(d)).isEqualTo(inShare ? "ST-MAN" : "WH-NJ1");
            piloted += inShare ? 1 : 0;
        }
        assertThat(piloted).isBetween(1, 11);
        assertThat(call("DELETE", "/api/routing/pilot", "operator", null).statusCode()).isEqualTo(200);
        JsonNode after = decision(routedOrder(sku, 1));
        assertThat(after.has("pilot")).isFalse();
        assertThat(nodes(after)).isEqualTo("WH-NJ1");
    }

    @Nested
    class Refusals {

        @Test
        void anInvalidDocumentIsRefusedWithThePathAndTheReasonAndNothingIsStored() {
            int versions = store.versions().size();
            ObjectNode doc = policyWithShipToHome("WAREHOUSE");
            ((ObjectNode) doc.get("scoring")).put("distance", -1);
            ((ObjectNode) doc.get("rules").get("SHIP_TO_HOME").get(0)).put("source", "ATTIC");
            HttpResponse<String> r = call("POST", "/api/routing/policies", "operator", Map.of("document", doc));
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode problems = json(r).path("problems");
            assertThat(problems.findValuesAsText("path")).containsExactlyInAnyOrder("$.rules.SHIP_TO_HOME[0].source", "$.scoring.distance");
            assertThat(problems.findValuesAsText("reason")).allMatch(reason -> !reason.isBlank());
            assertThat(store.versions()).hasSize(versions);
        }

        @Test
        void unreadableYamlIsRefused() {
            HttpResponse<String> r = call("POST", "/api/routing/policies", "operator", Map.of("document", "rules: [unclosed"));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).path("problems").get(0).path("path").asText()).isEqualTo("$");
        }

        @Test
        void aViewerMayReadButNotChange() {
            assertThat(call("GET", "/api/routing/policies", "viewer", null).statusCode()).isEqualTo(200);
            assertThat(call("POST", "/api/routing/policies", "viewer", Map.of("document", policyWithShipToHome("WAREHOUSE"))).statusCode())
                    .isEqualTo(403);
            assertThat(call("POST", "/api/routing/policies/1/activate", "viewer", null).statusCode()).isEqualTo(403);
        }

        @Test
        void activatingAnUnknownVersionIsNotFound() {
            assertThat(call("POST", "/api/routing/policies/99999/activate", "operator", null).statusCode()).isEqualTo(404);
            assertThat(store.inForce().activated()).isEqualTo(activeBefore);
        }
    }
}
