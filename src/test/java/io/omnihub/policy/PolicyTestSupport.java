package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.UUID;

/** Shared helpers of the policy ITs: API calls, orders routed through the live path, and the policy restored after each test. */
abstract class PolicyTestSupport extends HubIntegrationTest {

    @Autowired
    OrderIntake intake;
    @Autowired
    OrderRouting routing;
    @Autowired
    PolicyStore store;
    @Autowired
    ObjectMapper mapper;

    int activeBefore;

    @BeforeEach
    void rememberActive() {
        store.stopPilot();
        activeBefore = store.inForce().activated();
    }

    @AfterEach
    void restoreActive() {
        store.stopPilot();
        jdbc.update("update routing_policy set window_start = null, window_end = null where window_start is not null",
                new MapSqlParameterSource());
        if (store.inForce().activated() != activeBefore) {
            store.activate(activeBefore, "test-cleanup");
        }
    }

    static String canonical(String channel, String sku, int quantity) {
        return """
                {"channelOrderId": "p-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                 "shipTo": {"city": "New York", "region": "NY", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "lines": [{"lineNo": 1, "sku": "%s", "quantity": %d}]}""".formatted(UUID.randomUUID(), sku, quantity);
    }

    /** A web order accepted and routed by the live path at once. */
    String routedOrder(String sku, int quantity) {
        String id = intake.accept("web", canonical("web", sku, quantity)).orderId();
        routing.route(id, OrderRouting.NEW);
        return id;
    }

    JsonNode decision(String orderId) {
        try {
            return mapper.readTree(jdbc.queryForObject("select decision::text from orders where id = :id",
                    new MapSqlParameterSource("id", orderId), String.class));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String nodes(JsonNode decision) {
        StringBuilder b = new StringBuilder();
        decision.path("shipments").forEach(s -> b.append(b.isEmpty() ? "" : ",").append(s.path("nodeId").asText()));
        return b.toString();
    }

    HttpResponse<String> call(String method, String path, String user, Object body) {
        try {
            String json = body == null ? null : body instanceof String s ? s : mapper.writeValueAsString(body);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes()))
                    .header("Content-Type", "application/json");
            b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
            return Signed.post(b.build());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode json(HttpResponse<String> r) {
        return json(r.body());
    }

    ObjectNode json(String text) {
        try {
            return (ObjectNode) mapper.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(text, e);
        }
    }

    /** The active policy as a JSON tree with the SHIP_TO_HOME rules replaced by one rule per source, in order. */
    com.fasterxml.jackson.databind.node.ObjectNode policyWithShipToHome(String... sources) {
        com.fasterxml.jackson.databind.node.ObjectNode tree =
                (com.fasterxml.jackson.databind.node.ObjectNode) store.documents().toTree(store.policy(activeBefore));
        tree.remove("version");
        com.fasterxml.jackson.databind.node.ArrayNode rules = ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("rules"))
                .putArray("SHIP_TO_HOME");
        for (String source : sources) {
            rules.addObject().put("name", source.toLowerCase().replace('_', ' ')).put("source", source);
        }
        return tree;
    }

    /** Posts a document as a new version (as operator), returns its number. */
    int post(Object document, String comment) {
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("document", document);
        body.put("comment", comment);
        HttpResponse<String> r = call("POST", "/api/routing/policies", "operator", body);
        if (r.statusCode() != 201) {
            throw new AssertionError(r.statusCode() + " " + r.body());
        }
        return json(r).path("version").asInt();
    }
}
