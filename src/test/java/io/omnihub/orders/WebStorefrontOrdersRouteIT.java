package io.omnihub.orders;

import io.omnihub.canonical.OrderIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The web storefront order flow, over real HTTP, into the real PostgreSQL and Kafka. */
class WebStorefrontOrdersRouteIT extends HubIntegrationTest {

    static final String SECRET = "web-demo-secret";

    @Autowired
    ObjectMapper mapper;

    String url() {
        return baseUrl() + "/webhooks/web/orders";
    }

    static String order(String id, String sku, int quantity) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US",
                                      "latitude": 40.7484, "longitude": -73.9857},
                 "shipping_lines": [{"code": "standard"}],
                 "line_items": [{"sku": "%s", "quantity": %d, "price": "10.00"}]}
                """.formatted(id, sku, quantity);
    }

    int ordersWithChannelId(String channelOrderId) {
        return jdbc.queryForObject("select count(*) from orders where channel = 'web' and channel_order_id = :id",
                new MapSqlParameterSource("id", channelOrderId), Integer.class);
    }

    @Test
    void shouldStoreAndPublishASignedOrder() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String channelOrderId = "web-" + UUID.randomUUID();

        HttpResponse<String> response = Signed.storefront(url(), SECRET, order(channelOrderId, sku, 2));

        assertThat(response.statusCode()).isEqualTo(202);
        String orderId = mapper.readTree(response.body()).get("orderId").asText();
        assertThat(orderId).isEqualTo(OrderIds.of("web", channelOrderId));

        JsonNode stored = mapper.readTree(jdbc.queryForObject("select payload::text from orders where id = :id",
                new MapSqlParameterSource("id", orderId), String.class));
        assertThat(stored.get("channelOrderId").asText()).isEqualTo(channelOrderId);
        assertThat(stored.at("/lines/0/sku").asText()).isEqualTo(sku);
        assertThat(jdbc.queryForObject("select quantity from order_line where order_id = :id and line_no = 1",
                new MapSqlParameterSource("id", orderId), Integer.class)).isEqualTo(2);

        List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDERS,
                orderId, Duration.ofSeconds(20));
        assertThat(records).hasSize(1);
        JsonNode published = mapper.readTree(records.get(0).value());
        assertThat(published.get("orderId").asText()).isEqualTo(orderId);
        assertThat(published.get("channel").asText()).isEqualTo("web");
        assertThat(published.get("fulfillmentType").asText()).isEqualTo("SHIP_TO_HOME");
        assertThat(published.at("/lines/0/quantity").asInt()).isEqualTo(2);
    }

    @Test
    void shouldAcknowledgeADuplicateWithoutASecondEffect() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String channelOrderId = "web-" + UUID.randomUUID();
        String body = order(channelOrderId, sku, 1);

        HttpResponse<String> first = Signed.storefront(url(), SECRET, body);
        HttpResponse<String> second = Signed.storefront(url(), SECRET, body);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(second.statusCode()).isEqualTo(200);
        String orderId = mapper.readTree(first.body()).get("orderId").asText();
        assertThat(mapper.readTree(second.body()).get("orderId").asText()).isEqualTo(orderId);
        assertThat(mapper.readTree(second.body()).get("status").asText()).isEqualTo("DUPLICATE");
        assertThat(ordersWithChannelId(channelOrderId)).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from outbox where topic = :t and msg_key = :k",
                new MapSqlParameterSource("t", CanonicalTopics.ORDERS).addValue("k", orderId), Integer.class))
                .as("one message announces the order, not two").isEqualTo(1);
    }

    @Nested
    class Rejections {

        String channelOrderId = "web-" + UUID.randomUUID();

        @Test
        void shouldRefuseAWrongSignatureWith401() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            HttpResponse<String> response = Signed.storefront(url(), "not-the-secret", order(channelOrderId, sku, 1));
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("signature");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseAMissingSignatureWith401() {
            HttpResponse<String> response = Signed.post(HttpRequest.newBuilder(URI.create(url()))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(order(channelOrderId, "SKU-1001", 1))).build());
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.body()).contains("missing signature header");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseMalformedJsonWith400() {
            HttpResponse<String> response = Signed.storefront(url(), SECRET, "{\"id\": \"" + channelOrderId + "\", \"line_items\": [");
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("malformed JSON");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseASchemaViolationNamingTheField() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            HttpResponse<String> response = Signed.storefront(url(), SECRET, order(channelOrderId, sku, 0));
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("/lines/0/quantity");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseAMissingCurrencyNamingTheField() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            HttpResponse<String> response = Signed.storefront(url(), SECRET, order(channelOrderId, sku, 1)
                    .replace("\"currency\": \"USD\",", ""));
            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(response.body()).contains("currency");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseAnUnknownSkuWith422() {
            HttpResponse<String> response = Signed.storefront(url(), SECRET, order(channelOrderId, "NO-SUCH-SKU", 1));
            assertThat(response.statusCode()).isEqualTo(422);
            assertThat(response.body()).contains("unknown sku NO-SUCH-SKU");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseAnOversizedBodyWith413() {
            String huge = order(channelOrderId, "SKU-1001", 1).replace("\"USD\",", "\"USD\", \"note\": \"" + "x".repeat(1_100_000) + "\",");
            HttpResponse<String> response = Signed.storefront(url(), SECRET, huge);
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).contains("over the limit");
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldRefuseAnotherContentTypeWith415() {
            HttpResponse<String> response = Signed.post(HttpRequest.newBuilder(URI.create(url()))
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(order(channelOrderId, "SKU-1001", 1))).build());
            assertThat(response.statusCode()).isEqualTo(415);
            assertThat(ordersWithChannelId(channelOrderId)).isZero();
        }

        @Test
        void shouldNotEchoRequestHeadersBack() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            HttpResponse<String> response = Signed.storefront(url(), SECRET, order(channelOrderId, sku, 1));
            assertThat(response.statusCode()).isEqualTo(202);
            assertThat(response.headers().firstValue("X-Storefront-Hmac-Sha256")).isEmpty();
            assertThat(response.headers().firstValue("OmnihubChannel")).isEmpty();
        }
    }
}
