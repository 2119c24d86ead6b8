package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What happens after routing, through the API and the bean routes call: cancel, reject, ship, holds. */
class OrderLifecycleIT extends HubIntegrationTest {

    @Autowired
    OrderIntake intake;
    @Autowired
    OrderRouting routing;
    @Autowired
    ApplicationContext context;
    @Autowired
    ObjectMapper mapper;

    static String canonical(String sku, int quantity) {
        return """
                {"channelOrderId": "t-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                 "shipTo": {"city": "New York", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "lines": [{"lineNo": 1, "sku": "%s", "quantity": %d}]}""".formatted(UUID.randomUUID(), sku, quantity);
    }

    /** A web order, accepted and routed at once (the Kafka consumer finds it routed and does nothing). */
    String routedOrder(String sku, int quantity) {
        String id = intake.accept("web", canonical(sku, quantity)).orderId();
        routing.route(id, OrderRouting.NEW);
        return id;
    }

    MapSqlParameterSource p(String node, String sku) {
        return new MapSqlParameterSource("n", node).addValue("s", sku);
    }

    int reserved(String node, String sku) {
        return jdbc.queryForObject("select reserved from stock where node_id = :n and sku = :s", p(node, sku), Integer.class);
    }

    int onHand(String node, String sku) {
        return jdbc.queryForObject("select on_hand from stock where node_id = :n and sku = :s", p(node, sku), Integer.class);
    }

    String status(String orderId) {
        return jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class);
    }

    HttpResponse<String> call(String method, String path, String user, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes()))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return Signed.post(b.build());
    }

    List<String> statusMessages(String orderId, int atLeast) {
        await().atMost(Duration.ofSeconds(20)).until(() -> KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS,
                orderId, Duration.ofSeconds(2)).size() >= atLeast);
        return KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS, orderId, Duration.ofSeconds(5)).stream()
                .map(r -> {
                    try {
                        return mapper.readTree(r.value()).get("status").asText();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    @Nested
    class Cancellation {

        @Test
        void cancelReleasesTheReservationAndTellsTheChannel() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String id = routedOrder(sku, 2);
            assertThat(reserved("WH-NJ1", sku)).isEqualTo(2);

            HttpResponse<String> response = call("POST", "/api/orders/" + id + "/cancel", "operator", "{\"reason\": \"customer changed mind\"}");

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(status(id)).isEqualTo("CANCELLED");
            assertThat(reserved("WH-NJ1", sku)).isZero();
            assertThat(jdbc.queryForList("select status from reservation where order_id = :id", new MapSqlParameterSource("id", id), String.class))
                    .containsExactly("RELEASED");
            assertThat(statusMessages(id, 2)).containsExactly("ROUTED", "CANCELLED");
            // again: nothing more happens
            assertThat(call("POST", "/api/orders/" + id + "/cancel", "operator", null).body()).contains("\"changed\":false");
            assertThat(reserved("WH-NJ1", sku)).isZero();
        }

        @Test
        void aViewerMayNotCancel() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String id = routedOrder(sku, 1);
            assertThat(call("POST", "/api/orders/" + id + "/cancel", "viewer", null).statusCode()).isEqualTo(403);
            assertThat(status(id)).isEqualTo("ROUTED");
        }

        @Test
        void anUnknownOrderIs404() {
            HttpResponse<String> response = call("GET", "/api/orders/OH-NOPE", "viewer", null);
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).contains("OH-NOPE is not stored");
        }
    }

    @Nested
    class Rejection {

        @Test
        void aRejectingNodeIsReleasedFlaggedForCountAndTheOrderRoutedElsewhere() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5, "ST-MAN", 9);
            String id = routedOrder(sku, 1);
            assertThat(reserved("WH-NJ1", sku)).isEqualTo(1);

            HttpResponse<String> response = call("POST", "/api/orders/" + id + "/reject", "operator",
                    "{\"node\": \"WH-NJ1\", \"line\": 1, \"reason\": \"item not found\"}");

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(status(id)).isEqualTo("ROUTED");
            assertThat(reserved("WH-NJ1", sku)).isZero();
            assertThat(reserved("ST-MAN", sku)).isEqualTo(1);
            assertThat(jdbc.queryForObject("select needs_count from stock where node_id = 'WH-NJ1' and sku = :s", p(null, sku), Boolean.class)).isTrue();
            JsonNode order = mapper.readTree(call("GET", "/api/orders/" + id, "viewer", null).body());
            assertThat(order.get("excludedNodes").toString()).contains("WH-NJ1");
            assertThat(order.at("/decision/summary").asText()).contains("ST-MAN");
            assertThat(order.toString()).contains("rejected this order earlier");
            assertThat(statusMessages(id, 3)).containsExactly("ROUTED", "REJECTED", "ROUTED");

            // the same rejection again changes nothing
            assertThat(call("POST", "/api/orders/" + id + "/reject", "operator", "{\"node\": \"WH-NJ1\"}").body()).contains("\"changed\":false");
            assertThat(reserved("ST-MAN", sku)).isEqualTo(1);

            // the store rejects too: nothing else has it, so the order is held as unfulfillable
            OrderLifecycle lifecycle = context.getBean("orderLifecycle", OrderLifecycle.class);
            OrderLifecycle.Change change = lifecycle.reject(id, "ST-MAN", null, "damaged");
            assertThat(change.status()).isEqualTo(OrderStatus.Status.UNFULFILLABLE);
            assertThat(reserved("ST-MAN", sku)).isZero();
        }
    }

    @Nested
    class Shipment {

        @Test
        void shippedMovesTheReservedUnitsOutAndIsIdempotent() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String id = routedOrder(sku, 2);
            OrderLifecycle lifecycle = context.getBean("orderLifecycle", OrderLifecycle.class);

            OrderLifecycle.Change first = lifecycle.shipped(id, "WH-NJ1", "UPS", "1Z999AA10123456784");
            OrderLifecycle.Change again = lifecycle.shipped(id, "WH-NJ1", "UPS", "1Z999AA10123456784");

            assertThat(first.changed()).isTrue();
            assertThat(again.changed()).isFalse();
            assertThat(status(id)).isEqualTo("SHIPPED");
            assertThat(onHand("WH-NJ1", sku)).isEqualTo(3);
            assertThat(reserved("WH-NJ1", sku)).isZero();
            List<String> messages = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS, id, Duration.ofSeconds(20))
                    .stream().map(r -> r.value()).toList();
            await().atMost(Duration.ofSeconds(20)).until(() -> KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS, id,
                    Duration.ofSeconds(2)).stream().anyMatch(r -> r.value().contains("\"SHIPPED\"")));
            String shipped = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS, id, Duration.ofSeconds(5)).stream()
                    .map(r -> r.value()).filter(v -> v.contains("\"SHIPPED\"")).findFirst().orElseThrow();
            JsonNode message = mapper.readTree(shipped);
            assertThat(message.get("carrier").asText()).isEqualTo("UPS");
            assertThat(message.get("trackingNumber").asText()).isEqualTo("1Z999AA10123456784");
            assertThat(message.get("nodeId").asText()).isEqualTo("WH-NJ1");
            assertThat(messages).isNotEmpty();
            assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :s and kind = 'SHIP'", p(null, sku), Integer.class)).isEqualTo(1);
        }

        @Test
        void shippingFromANodeThatHoldsNothingIsRefused() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String id = routedOrder(sku, 1);
            OrderLifecycle lifecycle = context.getBean("orderLifecycle", OrderLifecycle.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> lifecycle.shipped(id, "ST-BRK", "UPS", "1Z"))
                    .hasMessageContaining("nothing reserved at node ST-BRK");
            assertThat(status(id)).isEqualTo("ROUTED");
        }
    }

    @Nested
    class Holds {

        String hold(String sku, int quantity) throws Exception {
            HttpResponse<String> r = call("POST", "/api/holds", "operator",
                    "{\"channel\": \"web\", \"lines\": [{\"sku\": \"" + sku + "\", \"quantity\": " + quantity + "}], \"minutes\": 1}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            return mapper.readTree(r.body()).get("holdId").asText();
        }

        String holdStatus(String holdId) {
            return jdbc.queryForObject("select status from hold where id = :h", new MapSqlParameterSource("h", holdId), String.class);
        }

        @Test
        void anExpiredHoldIsReleased() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 3);
            String holdId = hold(sku, 2);
            assertThat(reserved("WH-NJ1", sku)).isEqualTo(2);
            assertThat(jdbc.queryForObject("select count(*) from reservation where hold_id = :h and expires_at is not null",
                    new MapSqlParameterSource("h", holdId), Integer.class)).isEqualTo(1);

            // a minute passes (moved, not waited for): the expiry job releases it
            jdbc.update("update hold set expires_at = now() - interval '1 second' where id = :h", new MapSqlParameterSource("h", holdId));

            await().atMost(Duration.ofSeconds(10)).until(() -> "EXPIRED".equals(holdStatus(holdId)));
            assertThat(reserved("WH-NJ1", sku)).isZero();
        }

        @Test
        void aConvertedHoldBecomesAnOrderOnTheSameUnits() throws Exception {
            // only 2 units exist: a second reservation would make the order unfulfillable
            String sku = TestData.sku(jdbc, "WH-NJ1", 2);
            String holdId = hold(sku, 2);

            HttpResponse<String> r = call("POST", "/api/holds/" + holdId + "/convert", "operator",
                    "{\"channelOrderId\": \"cart-" + UUID.randomUUID() + "\", \"shipTo\": {\"city\": \"New York\", \"country\": \"US\"}}");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode outcome = mapper.readTree(r.body());
            String orderId = outcome.get("orderId").asText();
            assertThat(outcome.get("status").asText()).isEqualTo("ROUTED");
            assertThat(holdStatus(holdId)).isEqualTo("CONVERTED");
            assertThat(reserved("WH-NJ1", sku)).isEqualTo(2);
            assertThat(jdbc.queryForList("select order_id from reservation where hold_id = :h and status = 'ACTIVE'",
                    new MapSqlParameterSource("h", holdId), String.class)).containsExactly(orderId);
            // the order message reaches the consumer too, and changes nothing
            assertThat(statusMessages(orderId, 1)).containsExactly("ROUTED");
            assertThat(reserved("WH-NJ1", sku)).isEqualTo(2);
            assertThat(jdbc.queryForObject("select count(*) from reservation where order_id = :o",
                    new MapSqlParameterSource("o", orderId), Integer.class)).isEqualTo(1);
        }

        @Test
        void deletingAHoldReleasesItAndAHoldThatCannotBeMadeSaysWhy() throws Exception {
            String sku = TestData.sku(jdbc, "WH-NJ1", 3);
            String holdId = hold(sku, 3);
            HttpResponse<String> none = call("POST", "/api/holds", "operator",
                    "{\"channel\": \"web\", \"lines\": [{\"sku\": \"" + sku + "\", \"quantity\": 1}]}");
            assertThat(none.statusCode()).isEqualTo(409);
            assertThat(none.body()).contains("cannot hold").contains("WH-NJ1");

            assertThat(call("DELETE", "/api/holds/" + holdId, "operator", null).statusCode()).isEqualTo(200);
            assertThat(holdStatus(holdId)).isEqualTo("RELEASED");
            assertThat(reserved("WH-NJ1", sku)).isZero();
            // the next cart can have them
            assertThat(call("POST", "/api/holds", "operator",
                    "{\"channel\": \"web\", \"lines\": [{\"sku\": \"" + sku + "\", \"quantity\": 3}]}").statusCode()).isEqualTo(201);
        }
    }

    @Test
    void theListShowsRecentOrdersByStatus() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String id = routedOrder(sku, 1);
        call("POST", "/api/orders/" + id + "/cancel", "operator", null);
        JsonNode list = mapper.readTree(call("GET", "/api/orders?status=cancelled&limit=500", "viewer", null).body());
        assertThat(list.findValuesAsText("id")).contains(id);
        assertThat(list.findValuesAsText("status")).containsOnly("CANCELLED");
    }
}
