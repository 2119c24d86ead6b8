package io.omnihub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.observability.Progress;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The console's API over real HTTP with the configured users, against the real database and Camel routes. */
class ConsoleApiIT extends HubIntegrationTest {

    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Autowired
    ObjectMapper mapper;
    @Autowired
    DeadLetters deadLetters;
    @Autowired
    CamelContext camel;
    @Autowired
    Progress progress;

    static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> get(String user, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).GET();
        if (user != null) {
            b.header("Authorization", basic(user));
        }
        return send(b.build());
    }

    HttpResponse<String> post(String user, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).POST(HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            b.header("Authorization", basic(user));
        }
        return send(b.build());
    }

    static HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return mapper.readTree(r.body());
    }

    static String storefrontOrder(String id, String sku, int quantity) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US",
                                      "latitude": 40.7484, "longitude": -73.9857},
                 "shipping_lines": [{"code": "standard"}],
                 "line_items": [{"sku": "%s", "quantity": %d, "price": "10.00"}]}
                """.formatted(id, sku, quantity);
    }

    String postOrder(String sku) throws Exception {
        HttpResponse<String> r = Signed.storefront(baseUrl() + "/webhooks/web/orders", "web-demo-secret",
                storefrontOrder("console-" + UUID.randomUUID(), sku, 1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return mapper.readTree(r.body()).get("orderId").asText();
    }

    @Test
    void shouldSayWhoIsSignedInAndWhetherTheyMayAct() throws Exception {
        JsonNode viewer = json(get("viewer", "/api/console/me"));
        JsonNode operator = json(get("operator", "/api/console/me"));
        assertThat(viewer.get("canOperate").asBoolean()).isFalse();
        assertThat(viewer.get("roles").toString()).contains("VIEWER");
        assertThat(operator.get("canOperate").asBoolean()).isTrue();
        assertThat(get(null, "/api/console/me").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldListAndOpenAnOrderWithItsTimeline() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String orderId = postOrder(sku);

        JsonNode list = json(get("viewer", "/api/console/orders?q=" + orderId));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("channel").asText()).isEqualTo("web");
        assertThat(list.get(0).get("units").asInt()).isEqualTo(1);

        JsonNode detail = json(get("viewer", "/api/console/orders/" + orderId));
        assertThat(detail.get("id").asText()).isEqualTo(orderId);
        assertThat(detail.at("/lines/0/sku").asText()).isEqualTo(sku);
        assertThat(detail.at("/payload/channel").asText()).isEqualTo("web");
        assertThat(detail.at("/timeline/0/kind").asText()).isEqualTo("RECEIVED");
        assertThat(get("viewer", "/api/console/orders/no-such-order").statusCode()).isEqualTo(404);

        // once routed (the sku is stocked at WH-NJ1 only), the decision is there, told in sentences
        JsonNode routed = await().atMost(Duration.ofSeconds(30)).until(() -> json(get("viewer", "/api/console/orders/" + orderId)),
                d -> d.hasNonNull("decision"));
        assertThat(routed.at("/decision/shipments/0/nodeId").asText()).isEqualTo("WH-NJ1");
        JsonNode sentences = routed.get("decisionSentences");
        assertThat(sentences).isNotEmpty();
        assertThat(sentences.get(0).get("kind").asText()).as("the summary leads").isEqualTo("summary");
        assertThat(sentences.get(0).get("text").asText()).startsWith("Routed to").contains("WH-NJ1");
        assertThat(sentences).anySatisfy(x -> {
            assertThat(x.get("kind").asText()).isEqualTo("ships");
            assertThat(x.get("text").asText()).contains(sku);
        });
        assertThat(sentences).anySatisfy(x -> {
            assertThat(x.get("kind").asText()).isEqualTo("policy");
            assertThat(x.get("text").asText()).contains("routing policy version");
        });
        assertThat(sentences).anySatisfy(x -> {
            assertThat(x.get("kind").asText()).isEqualTo("chosen");
            assertThat(x.get("text").asText()).contains("WH-NJ1");
        });
    }

    @Test
    void shouldShowStockByNodeWithAvailableToPromiseAndTheLastFigureSentPerChannel() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 9, "ST-MAN", 4);
        jdbc.update("update stock set reserved = 2, safety_stock = 1 where sku = :sku and node_id = 'ST-MAN'",
                new MapSqlParameterSource("sku", sku));
        jdbc.update("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, delivered_at)
                values ('web', 'ATS', :sku, :sku, cast(:p as jsonb), 'DELIVERED', 1, now())""",
                new MapSqlParameterSource("sku", sku).addValue("p", "{\"channel\":\"web\",\"sku\":\"" + sku + "\",\"available\":10}"));

        JsonNode inv = json(get("viewer", "/api/console/inventory?q=" + sku.toLowerCase()));

        assertThat(inv.get("total").asInt()).isEqualTo(1);
        JsonNode row = inv.at("/rows/0");
        assertThat(row.get("sku").asText()).isEqualTo(sku);
        assertThat(row.at("/stock/WH-NJ1/atp").asInt()).isEqualTo(9);
        assertThat(row.at("/stock/ST-MAN/onHand").asInt()).isEqualTo(4);
        assertThat(row.at("/stock/ST-MAN/reserved").asInt()).isEqualTo(2);
        assertThat(row.at("/stock/ST-MAN/safety").asInt()).isEqualTo(1);
        assertThat(row.at("/stock/ST-MAN/atp").asInt()).isEqualTo(1);
        assertThat(row.at("/ats/web/available").asInt()).isEqualTo(10);
        assertThat(row.at("/ats/web/sentAt").isNull()).isFalse();
        assertThat(row.at("/ats").has("marketplace")).isFalse();
    }

    @Test
    void shouldChartOrdersPerChannelAndSyncLagPerMinute() throws Exception {
        postOrder(TestData.sku(jdbc, "WH-NJ1", 5));
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        jdbc.update("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, created_at, delivered_at)
                values ('web', 'ATS', :sku, :sku, '{}', 'DELIVERED', 1, now() - interval '3 seconds', now())""",
                new MapSqlParameterSource("sku", sku));

        JsonNode charts = json(get("viewer", "/api/console/charts?minutes=60"));

        assertThat(charts.get("buckets")).hasSize(60);
        JsonNode web = charts.at("/ordersPerChannel/web");
        assertThat(web).hasSize(60);
        assertThat(web.get(59).asInt() + web.get(58).asInt()).isGreaterThanOrEqualTo(1);
        JsonNode max = charts.at("/syncLagMs/max");
        double lastMax = Math.max(max.get(59).asDouble(0), max.get(58).asDouble(0));
        assertThat(lastMax).isGreaterThanOrEqualTo(2900);
    }

    @Test
    void shouldShowRoutesConnectorsAndRunningJobsInTheOverview() throws Exception {
        progress.start("console-it-job", "console test file", 10);
        progress.advance("console-it-job", 4);

        JsonNode o = json(get("viewer", "/api/console/overview"));

        JsonNode route = null;
        for (JsonNode r : o.get("routes")) {
            if ("web-storefront-orders".equals(r.get("id").asText())) {
                route = r;
            }
        }
        assertThat(route).as("the storefront route is listed").isNotNull();
        assertThat(route.get("state").asText()).isEqualTo("Started");
        assertThat(route.get("description").asText()).contains("storefront");
        assertThat(o.at("/connectors/sftp/0/name").asText()).isEqualTo("hub");
        assertThat(o.at("/connectors/sftp/0/status").asText()).as(o.at("/connectors").toString()).isEqualTo("UP");
        assertThat(o.at("/connectors/kafka/status").asText()).isEqualTo("UP");
        assertThat(o.at("/connectors/kafka/lag").isArray()).isTrue();
        JsonNode job = null;
        for (JsonNode j : o.get("progress")) {
            if ("console-it-job".equals(j.get("id").asText())) {
                job = j;
            }
        }
        assertThat(job).isNotNull();
        assertThat(job.get("percent").asInt()).isEqualTo(40);
        progress.finish("console-it-job");
    }

    @Test
    void shouldPushNewOrdersAsServerSentEvents() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/api/console/events"))
                .header("Authorization", basic("viewer")).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> stream = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            // hello comes after the stream's cursors are set: whatever happens from now on is pushed
            assertThat(reader.readLine()).isEqualTo("event:hello");
            String orderId = postOrder(TestData.sku(jdbc, "WH-NJ1", 5));
            CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        if (line.startsWith("data:") && line.contains(orderId)) {
                            return true;
                        }
                    }
                } catch (Exception e) {
                    return false;
                }
                return false;
            });
            assertThat(seen.get(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Nested
    class Cancel {


        @Test
        void shouldReleaseReservationsAndTellTheChannelOnce() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String orderId = postOrder(sku);
            // the live router reserves the unit at the warehouse
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> "ROUTED".equals(
                    jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class)));

            assertThat(post("viewer", "/api/console/orders/" + orderId + "/cancel").statusCode()).isEqualTo(403);
            JsonNode result = json(post("operator", "/api/console/orders/" + orderId + "/cancel?reason=customer%20called"));

            assertThat(result.get("reservationsReleased").asInt()).isEqualTo(1);
            MapSqlParameterSource p = new MapSqlParameterSource("id", orderId).addValue("sku", sku);
            assertThat(jdbc.queryForObject("select status from orders where id = :id", p, String.class)).isEqualTo("CANCELLED");
            assertThat(jdbc.queryForObject("select reserved from stock where sku = :sku and node_id = 'WH-NJ1'", p, Integer.class)).isZero();
            assertThat(jdbc.queryForObject("select status from reservation where order_id = :id", p, String.class)).isEqualTo("RELEASED");
            assertThat(jdbc.queryForObject("select detail from order_event where order_id = :id and kind = 'CANCELLED'", p, String.class))
                    .contains("customer called").contains("operator");
            assertThat(jdbc.queryForList("select payload->>'status' from outbox where topic = 'omnihub.order-status.v1' and msg_key = :id order by id",
                    p, String.class)).containsExactly("ROUTED", "CANCELLED");

            HttpResponse<String> again = post("operator", "/api/console/orders/" + orderId + "/cancel");
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("CANCELLED");
            assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :sku and kind = 'RELEASE'", p, Integer.class))
                    .as("released once").isEqualTo(1);
        }
    }

    @Nested
    class Security {

        @Test
        void shouldRefuseReplayToAViewer() {
            long id = deadLetters.record("test", "web-storefront-orders", ErrorCategory.INTERNAL, "boom", "{}", Map.of());
            assertThat(post("viewer", "/api/console/dead-letters/" + id + "/replay").statusCode()).isEqualTo(403);
            assertThat(post(null, "/api/console/dead-letters/" + id + "/replay").statusCode()).isEqualTo(401);
            assertThat(jdbc.queryForObject("select replayed_at is null from dead_letter where id = :id",
                    new MapSqlParameterSource("id", id), Boolean.class)).isTrue();
        }

        @Test
        void shouldServeTheLoginFormWithACsrfTokenAndRejectAWrongPassword() {
            HttpResponse<String> page = get(null, "/login");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("name=\"_csrf\"").contains("name=\"password\"");
            assertThat(get(null, "/").statusCode()).as("the console needs a login").isIn(302, 401);
            assertThat(get(null, "/api/console/overview").statusCode()).isEqualTo(401);
        }

        @Test
        void shouldDocumentTheApiAsOpenApiBehindLogin() throws Exception {
            assertThat(get(null, "/v3/api-docs").statusCode()).isEqualTo(401);
            JsonNode docs = json(get("viewer", "/v3/api-docs"));
            assertThat(docs.at("/paths").has("/api/console/overview")).isTrue();
            assertThat(docs.at("/paths").has("/api/console/dead-letters/{id}/replay")).isTrue();
            assertThat(get("viewer", "/swagger-ui/index.html").statusCode()).isEqualTo(200);
        }
    }

    @Nested
    class Observability {

        @Test
        void shouldReportHealthPerExternalPart() throws Exception {
            // the components are shown to a signed-in user only (ConsoleSecurityIT: anonymous callers see the status)
            JsonNode health = mapper.readTree(get("viewer", "/actuator/health").body());
            assertThat(health.at("/components/db/status").asText()).isEqualTo("UP");
            assertThat(health.at("/components/kafka/status").asText()).isEqualTo("UP");
            assertThat(health.at("/components/sftp/components/hub/status").asText()).isEqualTo("UP");
            assertThat(health.at("/components/camelHealth/status").asText()).isEqualTo("UP");
        }

        @Test
        void shouldExposeOrdersPerChannelAndDeadLettersToPrometheus() throws Exception {
            postOrder(TestData.sku(jdbc, "WH-NJ1", 5));
            deadLetters.record("test", "nowhere", ErrorCategory.INVALID, "bad", "x", Map.of());
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                String metrics = get("viewer", "/actuator/prometheus").body();
                assertThat(metrics).containsPattern("omnihub_orders_received_total\\{.*channel=\"web\".*} [1-9]");
                assertThat(metrics).containsPattern("omnihub_dead_letters_open(\\{[^}]*})? [1-9]");
                assertThat(metrics).contains("omnihub_dead_letters_total");
                assertThat(metrics).contains("omnihub_deliveries_dead");
                assertThat(metrics).containsPattern("omnihub_orders_by_status\\{.*status=\"[A-Z]+\".*} [1-9]");
            });
        }
    }

    @Nested
    class Replay {

        static final String ROUTE = "console-replay-probe";

        @BeforeEach
        void addProbeRoute() throws Exception {
            if (camel.getRoute(ROUTE) == null) {
                // a consumer route with the hub's dead-letter error handling: "fail" in the body is refused
                camel.addRoutes(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:" + ROUTE).routeId(ROUTE).routeConfigurationId("consumer-dead-letter")
                                .process(e -> {
                                    if (e.getMessage().getBody(String.class).contains("fail")) {
                                        throw new RejectedMessageException(ErrorCategory.INVALID, "still wrong");
                                    }
                                    jdbc.update("insert into idempotency_key (scope, key) values ('console-probe', :k)",
                                            new MapSqlParameterSource("k", e.getMessage().getBody(String.class)));
                                });
                    }
                });
            }
        }

        JsonNode replay(long id) throws Exception {
            return json(post("operator", "/api/console/dead-letters/" + id + "/replay"));
        }

        @Test
        void shouldRerunAWebhookDeadLetterThroughItsRouteOnce() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String channelOrderId = "replayed-" + UUID.randomUUID();
            long id = deadLetters.record("web", "web-storefront-orders", ErrorCategory.UNAVAILABLE, "database down",
                    storefrontOrder(channelOrderId, sku, 2), Map.of("OmnihubChannel", "web"));

            JsonNode result = replay(id);

            assertThat(result.get("outcome").asText()).as(result.toString()).isEqualTo("REPLAYED");
            assertThat(jdbc.queryForObject("select count(*) from orders where channel = 'web' and channel_order_id = :c",
                    new MapSqlParameterSource("c", channelOrderId), Integer.class)).isEqualTo(1);
            Map<String, Object> row = jdbc.queryForMap("select replayed_at, replayed_by, replay_result from dead_letter where id = :id",
                    new MapSqlParameterSource("id", id));
            assertThat(row.get("replayed_at")).isNotNull();
            assertThat(row.get("replayed_by")).isEqualTo("operator");
            assertThat(row.get("replay_result")).isEqualTo("REPLAYED");
            assertThat(post("operator", "/api/console/dead-letters/" + id + "/replay").statusCode()).isEqualTo(409);
            JsonNode open = json(get("viewer", "/api/console/failures"));
            assertThat(open.get("deadLetters").findValues("id")).noneMatch(n -> n.asLong() == id);
            assertThat(jdbc.queryForObject("select count(*) from console_action where target = :t and action = 'REPLAY_DEAD_LETTER'",
                    new MapSqlParameterSource("t", String.valueOf(id)), Integer.class)).isEqualTo(1);
        }

        @Test
        void shouldKeepADeadLetterOpenWhenAnHttpRouteRefusesItAgain() throws Exception {
            long id = deadLetters.record("web", "web-storefront-orders", ErrorCategory.UNKNOWN_REFERENCE, "unknown sku",
                    storefrontOrder("replay-bad-" + UUID.randomUUID(), "NO-SUCH-SKU", 1), Map.of("OmnihubChannel", "web"));

            JsonNode result = replay(id);

            assertThat(result.get("outcome").asText()).isEqualTo("FAILED");
            assertThat(result.get("message").asText()).contains("422").contains("NO-SUCH-SKU");
            Map<String, Object> row = jdbc.queryForMap("select replayed_at, replay_result from dead_letter where id = :id",
                    new MapSqlParameterSource("id", id));
            assertThat(row.get("replayed_at")).as("still open, to fix and replay again").isNull();
            assertThat((String) row.get("replay_result")).startsWith("FAILED");
        }

        @Test
        void shouldReplayIntoAConsumerRouteAndHandOverToANewDeadLetterWhenItFailsAgain() throws Exception {
            String good = "ok-" + UUID.randomUUID();
            long okId = deadLetters.record("probe", ROUTE, ErrorCategory.UNAVAILABLE, "kafka down", good, Map.of());
            long badId = deadLetters.record("probe", ROUTE, ErrorCategory.INVALID, "bad", "fail-" + UUID.randomUUID(), Map.of());

            assertThat(replay(okId).get("outcome").asText()).isEqualTo("REPLAYED");
            assertThat(jdbc.queryForObject("select count(*) from idempotency_key where scope = 'console-probe' and key = :k",
                    new MapSqlParameterSource("k", good), Integer.class)).isEqualTo(1);

            JsonNode again = replay(badId);
            assertThat(again.get("outcome").asText()).isEqualTo("FAILED_AGAIN");
            long newId = again.get("newDeadLetterId").asLong();
            assertThat(newId).isGreaterThan(badId);
            assertThat(jdbc.queryForObject("select route_id from dead_letter where id = :id",
                    new MapSqlParameterSource("id", newId), String.class)).isEqualTo(ROUTE);
            assertThat(jdbc.queryForObject("select error from dead_letter where id = :id",
                    new MapSqlParameterSource("id", newId), String.class)).isEqualTo("still wrong");
            assertThat(jdbc.queryForObject("select replay_result from dead_letter where id = :id",
                    new MapSqlParameterSource("id", badId), String.class)).isEqualTo("FAILED_AGAIN as dead letter " + newId);
        }

        @Test
        void shouldRunAConcurrentDoubleReplayOnce() throws Exception {
            String key = "once-" + UUID.randomUUID();
            long id = deadLetters.record("probe", ROUTE, ErrorCategory.UNAVAILABLE, "down", key, Map.of());
            CompletableFuture<HttpResponse<String>> a = CompletableFuture.supplyAsync(() -> post("operator", "/api/console/dead-letters/" + id + "/replay"));
            CompletableFuture<HttpResponse<String>> b = CompletableFuture.supplyAsync(() -> post("operator", "/api/console/dead-letters/" + id + "/replay"));
            assertThat(java.util.List.of(a.get().statusCode(), b.get().statusCode())).containsExactlyInAnyOrder(200, 409);
            assertThat(jdbc.queryForObject("select count(*) from idempotency_key where scope = 'console-probe' and key = :k",
                    new MapSqlParameterSource("k", key), Integer.class)).isEqualTo(1);
        }

        @Test
        void shouldRefuseADeadLetterWhoseRouteIsGone() {
            long id = deadLetters.record("old", "route-removed-long-ago", ErrorCategory.INTERNAL, "x", "{}", Map.of());
            HttpResponse<String> r = post("operator", "/api/console/dead-letters/" + id + "/replay");
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).contains("no longer exists");
            assertThat(post("operator", "/api/console/dead-letters/99999999/replay").statusCode()).isEqualTo(404);
        }

        long deadDelivery(String sku, String status) {
            return jdbc.queryForObject("""
                    insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, last_error)
                    values ('web', 'ATS', :sku, :sku, '{"available": 3}', :status, 8, 'HTTP 500 from channel') returning id""",
                    new MapSqlParameterSource("sku", sku).addValue("status", status), Long.class);
        }

        @Test
        void shouldHandADeadDeliveryBackToTheDispatcher() throws Exception {
            long id = deadDelivery(TestData.sku(jdbc, "WH-NJ1", 1), "DEAD");
            assertThat(json(get("viewer", "/api/console/failures")).get("deadDeliveries").findValues("id"))
                    .anyMatch(n -> n.asLong() == id);

            JsonNode result = json(post("operator", "/api/console/deliveries/" + id + "/replay"));

            assertThat(result.get("outcome").asText()).isEqualTo("PENDING");
            Map<String, Object> row = jdbc.queryForMap("select status, attempts from delivery where id = :id",
                    new MapSqlParameterSource("id", id));
            // the dispatcher (sync feature) may already have taken it: it is no longer dead, and its count restarted
            assertThat(row.get("status")).isIn("PENDING", "DELIVERED");
            assertThat((Integer) row.get("attempts")).isLessThanOrEqualTo(1);
            assertThat(post("operator", "/api/console/deliveries/" + id + "/replay").statusCode())
                    .as("only a dead delivery can be replayed").isIn(409);
        }

        @Test
        void shouldSupersedeAStaleDeadFigureInsteadOfSendingIt() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 1);
            long stale = deadDelivery(sku, "DEAD");
            deadDelivery(sku, "DELIVERED");

            JsonNode result = json(post("operator", "/api/console/deliveries/" + stale + "/replay"));

            assertThat(result.get("outcome").asText()).isEqualTo("SUPERSEDED");
            assertThat(jdbc.queryForObject("select status from delivery where id = :id",
                    new MapSqlParameterSource("id", stale), String.class)).isEqualTo("SUPERSEDED");
        }

        @Test
        void shouldSendTheNewestDeadFigureInsteadOfAStaleOne() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 1);
            long stale = deadDelivery(sku, "DEAD");
            long newest = deadDelivery(sku, "DEAD");

            JsonNode result = json(post("operator", "/api/console/deliveries/" + stale + "/replay"));

            assertThat(result.get("outcome").asText()).isEqualTo("REPLACED");
            assertThat(result.get("queuedDeliveryId").asLong()).isEqualTo(newest);
            assertThat(jdbc.queryForObject("select status from delivery where id = :id",
                    new MapSqlParameterSource("id", stale), String.class)).as("the stale figure is never sent").isEqualTo("SUPERSEDED");
            assertThat(jdbc.queryForObject("select status from delivery where id = :id",
                    new MapSqlParameterSource("id", newest), String.class)).isIn("PENDING", "DELIVERED");
            assertThat(jdbc.queryForObject("select count(*) from console_action where action = 'REPLAY_DELIVERY' and target = :t",
                    new MapSqlParameterSource("t", String.valueOf(stale)), Integer.class)).isEqualTo(1);
        }
    }
}
