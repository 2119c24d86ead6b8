package io.omnihub.reliability;

import io.omnihub.support.HubProcess;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two hub instances sharing one PostgreSQL, one Kafka and one SFTP server, each its own process: the second
 * starts nothing embedded. Work is shared and nothing happens twice.
 */
class ScaleOutIT {

    static HubProcess first;
    static HubProcess second;
    static NamedParameterJdbcTemplate db;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        first = HubProcess.embedded("scale-a").start();
        second = HubProcess.sharing("scale-b", first).start();
        db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(first.jdbcUrl(), "postgres", "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    static String order(String id) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "1 Main St", "city": "Hoboken", "zip": "07030", "country_code": "US",
                                      "latitude": 40.744, "longitude": -74.032},
                 "line_items": [{"sku": "SKU-1010", "quantity": 1, "price": "10.00"}]}
                """.formatted(id);
    }

    @Test
    void theSameOrderPostedToBothInstancesAtOnceIsStoredOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String body = order("scale-dup-" + i);
            for (HubProcess hub : List.of(first, second)) {
                answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                        Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
            }
        }
        int accepted = 0;
        int duplicates = 0;
        for (Future<HttpResponse<String>> f : answers) {
            int status = f.get().statusCode();
            assertThat(status).isIn(200, 202);
            if (status == 202) {
                accepted++;
            } else {
                duplicates++;
            }
        }
        pool.shutdown();
        assertThat(accepted).as("exactly one instance accepted each order").isEqualTo(40);
        assertThat(duplicates).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from orders where channel_order_id like 'scale-dup-%'",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from outbox where topic = 'omnihub.orders.v1' and msg_key in "
                        + "(select id from orders where channel_order_id like 'scale-dup-%')",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
    }

    static HttpResponse<String> api(HubProcess hub, String method, String path, String body) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(hub.baseUrl() + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("operator:operator".getBytes()))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        return Signed.post(b.build());
    }

    @Test
    void aPolicyActivatedThroughOneInstanceRoutesTheNextOrderOnBoth() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode policy = (com.fasterxml.jackson.databind.node.ObjectNode)
                mapper.readTree(api(first, "GET", "/api/routing/policies/1", null).body()).get("policy");
        policy.remove("version");
        com.fasterxml.jackson.databind.node.ArrayNode rules = ((com.fasterxml.jackson.databind.node.ObjectNode) policy.get("rules"))
                .putArray("SHIP_TO_HOME");
        rules.addObject().put("name", "drop-ship only").put("source", "DROPSHIP");
        HttpResponse<String> created = api(first, "POST", "/api/routing/policies",
                mapper.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("document", policy).put("comment", "scale-out").toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int version = mapper.readTree(created.body()).get("version").asInt();
        assertThat(api(first, "POST", "/api/routing/policies/" + version + "/activate", null).statusCode()).isEqualTo(200);

        // instance B, never told: its very next decision uses the new version
        String canonical = """
                {"order": {"channel": "web", "channelOrderId": "td", "fulfillmentType": "SHIP_TO_HOME", "currency": "USD",
                 "shipTo": {"city": "Hoboken", "country": "US", "latitude": 40.744, "longitude": -74.032},
                 "lines": [{"lineNo": 1, "sku": "SKU-1030", "quantity": 1}]}}""";
        HttpResponse<String> drive = api(second, "POST", "/api/routing/test-drive", canonical);
        assertThat(drive.statusCode()).as(drive.body()).isEqualTo(200);
        assertThat(mapper.readTree(drive.body()).get("policyVersion").asText()).isEqualTo(String.valueOf(version));

        // (drop-ship partner stock: SKU-1030 is one of the demo skus it carries)
        // live orders posted to both instances are routed (by whichever instance consumes them) with the new version
        for (int i = 0; i < 6; i++) {
            HubProcess hub = i % 2 == 0 ? first : second;
            assertThat(Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", order("scale-policy-" + i).replace("SKU-1010", "SKU-1030"))
                    .statusCode()).isEqualTo(202);
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> db.queryForObject(
                "select count(*) from orders where channel_order_id like 'scale-policy-%' and decision is not null",
                new MapSqlParameterSource(), Integer.class) == 6);
        assertThat(db.queryForList("select distinct decision->>'policyVersion' from orders where channel_order_id like 'scale-policy-%'",
                new MapSqlParameterSource(), String.class)).containsExactly(String.valueOf(version));
        assertThat(db.queryForList("select distinct s->>'nodeId' from orders o, jsonb_array_elements(o.decision->'shipments') s "
                + "where o.channel_order_id like 'scale-policy-%'", new MapSqlParameterSource(), String.class))
                .allMatch(node -> node.equals("DS-ACME"));
    }
}
