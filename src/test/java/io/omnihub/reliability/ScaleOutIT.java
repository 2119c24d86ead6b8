package io.omnihub.reliability;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omnihub.support.HubProcess;
import io.omnihub.support.SftpPeer;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two hub instances sharing one PostgreSQL, one Kafka and one SFTP server, each its own process: the second
 * starts nothing embedded. Work is shared and nothing happens twice: an order posted to both is stored once, orders
 * for one hot sku posted to both at once are routed once each and never oversell it, each SFTP file is processed by
 * one instance, once, and the marketplace is polled by one instance at a time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {

    static HubProcess first;
    static HubProcess second;
    static NamedParameterJdbcTemplate db;

    /** The marketplace order API both instances poll: every answer takes a while, so two polls at once would overlap. */
    static WireMockServer marketplace;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        marketplace = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                .usingFilesUnderDirectory(Files.createTempDirectory("scale-marketplace").toString()));
        marketplace.start();
        marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).willReturn(aResponse().withFixedDelay(150)
                .withHeader("Content-Type", "application/json").withBody("{\"orders\": []}")));
        String[] polling = {
                "--omnihub.channels.marketplace.poll-enabled=true",
                "--omnihub.channels.marketplace.api-url=http://localhost:" + marketplace.port() + "/v1",
                "--omnihub.channels.marketplace.poll-interval-ms=100"};
        first = HubProcess.embedded("scale-a", polling).start();
        second = HubProcess.sharing("scale-b", first, polling).start();
        db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(first.jdbcUrl(), "postgres", "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (marketplace != null) {
            marketplace.stop();
        }
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
    @Order(Integer.MAX_VALUE) // last: the drop-ship-only policy it activates would route the other tests' orders
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

    /** A fresh sku with {@code onHand} units at WH-NJ1, seeded with its ledger entry as the demo data is. */
    static String sku(int onHand) {
        String sku = "SCALE-" + java.util.UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku).addValue("q", onHand);
        db.update("insert into item (sku, name, unit_price) values (:sku, :sku, 10.00)", p);
        db.update("insert into stock (node_id, sku, on_hand) values ('WH-NJ1', :sku, :q)", p);
        db.update("""
                insert into ledger_entry (node_id, sku, kind, on_hand_delta, on_hand_after, reserved_after, reason)
                values ('WH-NJ1', :sku, 'SNAPSHOT', :q, :q, 0, 'test seed')""", p);
        return sku;
    }

    @Test
    void ordersForOneHotSkuSpreadOverBothInstancesAreRoutedOnceAndNeverOversellIt() throws Exception {
        String sku = sku(12);
        int orders = 40;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            HubProcess hub = i % 2 == 0 ? first : second;
            String body = order("scale-hot-" + i).replace("SKU-1010", sku);
            answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                    Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
        }
        for (Future<HttpResponse<String>> f : answers) {
            assertThat(f.get().statusCode()).isEqualTo(202);
        }
        pool.shutdown();
        MapSqlParameterSource hot = new MapSqlParameterSource("sku", sku);
        await().atMost(Duration.ofSeconds(90)).until(() -> db.queryForObject(
                "select count(*) from orders where channel_order_id like 'scale-hot-%' and status in ('ROUTED', 'UNFULFILLABLE')",
                hot, Integer.class) == orders);

        Map<String, Object> stock = db.queryForMap("""
                select s.on_hand, s.reserved, coalesce(s.safety_stock, n.safety_stock) as safety
                from stock s join node n on n.id = s.node_id where s.node_id = 'WH-NJ1' and s.sku = :sku""", hot);
        int routed = db.queryForObject("select count(*) from orders where channel_order_id like 'scale-hot-%' and status = 'ROUTED'",
                hot, Integer.class);
        int reserved = ((Number) stock.get("reserved")).intValue();
        int onHand = ((Number) stock.get("on_hand")).intValue();
        int safety = ((Number) stock.get("safety")).intValue();
        assertThat(routed).as("every unit that may be sold is sold").isEqualTo(onHand - safety);
        assertThat(reserved).as("one reservation per routed order, none doubled").isEqualTo(routed);
        assertThat(onHand - reserved).as("never oversold").isGreaterThanOrEqualTo(safety);
        assertThat(db.queryForObject("select count(*) from reservation where sku = :sku and status = 'ACTIVE'", hot, Integer.class))
                .isEqualTo(routed);
        assertThat(db.queryForList("""
                select msg_key from outbox where topic = 'omnihub.order-status.v1' and payload->>'status' = 'ROUTED'
                and msg_key in (select id from orders where channel_order_id like 'scale-hot-%')
                group by msg_key having count(*) > 1""", hot, String.class)).as("orders routed twice").isEmpty();
        LedgerConsistency.assertConsistent(db);
    }

    @Test
    void eachSftpFileIsProcessedByOneInstanceOnce() throws Exception {
        String sku = sku(10);
        int files = 4;
        List<String> names = new ArrayList<>();
        try (SftpPeer wms = SftpPeer.login("127.0.0.1", first.sftpPort, "wms", "wms-secret")) {
            for (int i = 0; i < files; i++) {
                String name = "scale-" + sku + "-" + i + ".csv";
                names.add(name);
                wms.upload("inbound/stock/" + name, "record_type,warehouse,sku,quantity,reason\nADJUSTMENT,WH-NJ1," + sku
                        + ",1,recount\nADJUSTMENT,WH-NJ1," + sku + ",2,recount\n");
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> names.stream().allMatch(n -> wms.exists("inbound/stock/" + n + ".result.csv")));
            for (String name : names) {
                assertThat(wms.read("inbound/stock/" + name + ".result.csv").lines()).containsExactly("row,status,reason", "1,accepted,", "2,accepted,");
            }
        }
        MapSqlParameterSource params = new MapSqlParameterSource("sku", sku);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.queryForObject(
                "select on_hand from stock where node_id = 'WH-NJ1' and sku = :sku", params, Integer.class) == 10 + 3 * files);
        assertThat(db.queryForObject("select count(*) from ledger_entry where sku = :sku and kind = 'ADJUSTMENT'", params, Integer.class))
                .as("each row applied once").isEqualTo(2 * files);

        // each file was read and reported by exactly one instance, once
        String logs = first.output() + second.output();
        for (String name : names) {
            Matcher processed = Pattern.compile("file " + Pattern.quote(name) + " processed:").matcher(logs);
            int times = 0;
            while (processed.find()) {
                times++;
            }
            assertThat(times).as("times " + name + " was processed").isEqualTo(1);
        }
    }

    @Test
    void theMarketplaceIsPolledByOneInstanceAtATime() {
        // both instances tick every 100 ms; each poll answer takes 150 ms: two pollers would overlap at once
        await().atMost(Duration.ofSeconds(60)).until(() -> marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders"))).size() >= 15);
        List<long[]> spans = marketplace.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/v1/orders"))
                .map(e -> new long[] {e.getRequest().getLoggedDate().getTime(),
                        e.getRequest().getLoggedDate().getTime() + 150})
                .sorted((a, b) -> Long.compare(a[0], b[0]))
                .toList();
        for (int i = 1; i < spans.size(); i++) {
            assertThat(spans.get(i)[0]).as("poll %d started before poll %d had its answer", i, i - 1)
                    .isGreaterThanOrEqualTo(spans.get(i - 1)[1] - 5);
        }
        assertThat(db.queryForList("select lease_owner from marketplace_cursor", new MapSqlParameterSource(), String.class))
                .as("one lease holder per marketplace").hasSize(1).doesNotContainNull();
    }
}
