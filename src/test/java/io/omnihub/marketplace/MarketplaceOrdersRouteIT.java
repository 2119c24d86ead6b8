package io.omnihub.marketplace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderIds;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.MarketplaceStub;
import io.omnihub.support.TestData;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The marketplace order poll end to end: WireMock plays the marketplace's order API (pagination, auth header, 429
 * with Retry-After, acknowledgements); the hub stores and publishes the orders once each, moves its cursor in
 * PostgreSQL, and acknowledges each accepted order once.
 */
class MarketplaceOrdersRouteIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;
    @Autowired
    CamelContext camel;

    final WireMockServer marketplace = MarketplaceStub.server();
    final List<StubMapping> stubs = new ArrayList<>();

    @AfterEach
    void removeStubs() {
        stubs.forEach(marketplace::removeStub);
    }

    static String order(String id, String sku, int quantity, String updatedAt) {
        return """
                {"id": "%s", "created_at": "2026-11-25T11:02:00Z", "updated_at": "%s",
                 "buyer": {"email": "buyer@example.com", "name": "Alan Turing"},
                 "shipping": {"service": "standard", "address": {"recipient": "Alan Turing", "line1": "2 Bletchley Rd",
                              "city": "Hoboken", "state": "NJ", "postal_code": "07030", "country": "US"}},
                 "items": [{"seller_sku": "%s", "quantity": %d, "price": {"amount": "12.50", "currency": "USD"}}]}
                """.formatted(id, updatedAt, sku, quantity);
    }

    int orders(String marketplaceOrderId) {
        return jdbc.queryForObject("select count(*) from orders where channel = 'marketplace' and channel_order_id = :id",
                new MapSqlParameterSource("id", marketplaceOrderId), Integer.class);
    }

    int acknowledgements(String marketplaceOrderId) {
        return marketplace.findAll(postRequestedFor(urlPathEqualTo("/v1/orders/" + marketplaceOrderId + "/acknowledge"))).size();
    }

    String cursor() {
        return jdbc.queryForObject("select cursor from marketplace_cursor where marketplace = 'marketplace'",
                new MapSqlParameterSource(), String.class);
    }

    int ordersRequests() {
        return marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders"))).size();
    }

    @Test
    void shouldFollowPagesAcceptEachOrderOnceAndAcknowledgeIt() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10);
        String a = "MP-" + UUID.randomUUID();
        String b = "MP-" + UUID.randomUUID();
        stubs.add(marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(1)
                .withQueryParam("page_token", absent())
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"orders\": [" + order(a, sku, 1, "2099-01-01T00:00:01Z") + "], \"next_page_token\": \"p2-" + b + "\"}"))));
        stubs.add(marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(1)
                .withQueryParam("page_token", equalTo("p2-" + b))
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"orders\": [" + order(b, sku, 2, "2099-01-01T00:00:02Z") + "], \"next_page_token\": null}"))));

        await().atMost(Duration.ofSeconds(20)).until(() -> orders(a) == 1 && orders(b) == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledgements(a) == 1 && acknowledgements(b) == 1);

        String hubB = OrderIds.of("marketplace", b);
        assertThat(KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDERS, hubB, Duration.ofSeconds(20))).hasSize(1);
        assertThat(mapper.readTree(marketplace.findAll(postRequestedFor(urlPathEqualTo("/v1/orders/" + b + "/acknowledge")))
                .get(0).getBodyAsString()).get("hubOrderId").asText()).isEqualTo(hubB);
        // the cursor never moves back (other tests' orders may carry later times)
        assertThat(cursor()).isGreaterThanOrEqualTo("2099-01-01T00:00:02Z");

        // the marketplace keeps offering the same orders on later polls: nothing is stored or acknowledged twice
        int seen = ordersRequests();
        await().atMost(Duration.ofSeconds(20)).until(() -> ordersRequests() >= seen + 4);
        assertThat(orders(a)).isEqualTo(1);
        assertThat(acknowledgements(a)).isEqualTo(1);
        assertThat(acknowledgements(b)).isEqualTo(1);
        assertThat(KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDERS, hubB, Duration.ofSeconds(5))).hasSize(1);

        List<LoggedRequest> later = marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders")));
        LoggedRequest last = later.get(later.size() - 1);
        assertThat(last.getHeader("Authorization")).isEqualTo("Bearer " + MarketplaceStub.TOKEN);
        assertThat(last.queryParameter("updated_since").firstValue()).isEqualTo(cursor());
    }

    @Test
    void shouldPollFromTheStoredCursorAfterARestart() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> cursor() != null || ordersRequests() > 0);
        // stop the poll (the kamelet's timer route) and the flow, waiting for a poll in flight to finish
        camel.getRoutes().stream().filter(r -> r.getRouteId().startsWith("marketplace-order-poll-source"))
                .forEach(r -> {
                    try {
                        camel.getRouteController().stopRoute(r.getRouteId());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        camel.getRouteController().stopRoute("marketplace-orders");
        jdbc.update("update marketplace_cursor set cursor = :c where marketplace = 'marketplace'",
                new MapSqlParameterSource("c", "2099-06-01T00:00:00Z"));
        int before = ordersRequests();
        camel.getRouteController().startRoute("marketplace-orders");
        // the kamelet's own route (the timer) is stopped and started with the flow's route
        camel.getRoutes().stream().filter(r -> r.getRouteId().startsWith("marketplace-order-poll-source"))
                .forEach(r -> {
                    try {
                        camel.getRouteController().startRoute(r.getRouteId());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

        await().atMost(Duration.ofSeconds(20)).until(() -> ordersRequests() > before);
        List<LoggedRequest> requests = marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders")));
        assertThat(requests.get(requests.size() - 1).queryParameter("updated_since").firstValue()).isEqualTo("2099-06-01T00:00:00Z");
    }

    @Test
    void shouldWaitForRetryAfterWhenThrottled() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10);
        String c = "MP-" + UUID.randomUUID();
        stubs.add(marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(1)
                .inScenario("throttle-" + c).whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2"))
                .willSetStateTo("open")));
        stubs.add(marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(1)
                .inScenario("throttle-" + c).whenScenarioStateIs("open")
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"orders\": [" + order(c, sku, 1, "2099-12-01T00:00:00Z") + "]}"))));

        await().atMost(Duration.ofSeconds(20)).until(() -> orders(c) == 1);

        List<com.github.tomakehurst.wiremock.stubbing.ServeEvent> events = new ArrayList<>(marketplace.getAllServeEvents());
        events.sort(java.util.Comparator.comparing(e -> e.getRequest().getLoggedDate()));
        com.github.tomakehurst.wiremock.stubbing.ServeEvent tooMany = events.stream()
                .filter(e -> e.getResponse().getStatus() == 429).reduce((x, y) -> y).orElseThrow();
        com.github.tomakehurst.wiremock.stubbing.ServeEvent next = events.stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/v1/orders?"))
                .filter(e -> e.getRequest().getLoggedDate().after(tooMany.getRequest().getLoggedDate()))
                .findFirst().orElseThrow();
        assertThat(next.getRequest().getLoggedDate().getTime() - tooMany.getRequest().getLoggedDate().getTime())
                .as("no request before Retry-After has passed").isGreaterThanOrEqualTo(1900);
    }

    @Test
    void shouldDeadLetterAnOrderItCannotAcceptAndNotAcknowledgeIt() {
        String d = "MP-" + UUID.randomUUID();
        stubs.add(marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(1)
                .willReturn(aResponse().withHeader("Content-Type", "application/json")
                        .withBody("{\"orders\": [" + order(d, "NO-SUCH-SKU", 1, "2099-12-02T00:00:00Z") + "]}"))));

        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                "select count(*) from dead_letter where source = 'marketplace' and payload like :p",
                new MapSqlParameterSource("p", "%" + d + "%"), Integer.class) == 1);
        assertThat(jdbc.queryForObject("select error from dead_letter where source = 'marketplace' and payload like :p",
                new MapSqlParameterSource("p", "%" + d + "%"), String.class)).contains("unknown sku NO-SUCH-SKU");
        // the inbox row is marked after the dead letter is written, in its own statement
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select status from marketplace_inbox where marketplace_order_id = :id",
                new MapSqlParameterSource("id", d), String.class)).isEqualTo("REJECTED"));
        assertThat(orders(d)).isZero();
        assertThat(acknowledgements(d)).isZero();
    }
}
