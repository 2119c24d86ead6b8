package io.omnihub.returns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderIds;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The storefront's RMA webhook, over real HTTP, to ReturnEvents on Kafka through the outbox. */
class ReturnsRouteIT extends HubIntegrationTest {

    static final String SECRET = "web-demo-secret";

    @Autowired
    ObjectMapper mapper;

    String sku;
    String storefrontOrderId;
    String hubOrderId;

    String url() {
        return baseUrl() + "/webhooks/web/returns";
    }

    @BeforeEach
    void placeAnOrder() {
        sku = TestData.sku(jdbc, "WH-NJ1", 5);
        storefrontOrderId = "web-" + UUID.randomUUID();
        HttpResponse<String> placed = Signed.storefront(baseUrl() + "/webhooks/web/orders", SECRET, """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US"},
                 "line_items": [{"sku": "%s", "quantity": 2, "price": "10.00"}]}
                """.formatted(storefrontOrderId, sku));
        assertThat(placed.statusCode()).isEqualTo(202);
        hubOrderId = OrderIds.of("web", storefrontOrderId);
    }

    String rma(String rmaId, String orderId, String lineSku, int quantity) {
        return """
                {"rma_id": "%s", "order_id": "%s", "location": "WH-NJ1", "received_at": "2026-11-26T09:00:00Z",
                 "items": [{"sku": "%s", "quantity": %d, "condition": "resellable"}]}
                """.formatted(rmaId, orderId, lineSku, quantity);
    }

    int returnsPublished(String rmaId) {
        return jdbc.queryForObject("select count(*) from outbox where topic = :t and payload->>'rmaId' = :id",
                new MapSqlParameterSource("t", CanonicalTopics.RETURNS).addValue("id", rmaId), Integer.class);
    }

    @Test
    void shouldPublishASignedReturnKeyedByTheHubOrderId() throws Exception {
        String rmaId = "R-" + UUID.randomUUID();

        HttpResponse<String> response = Signed.storefront(url(), SECRET, rma(rmaId, storefrontOrderId, sku, 1));

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains("web:" + rmaId).contains("ACCEPTED");
        List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.RETURNS,
                hubOrderId, Duration.ofSeconds(20));
        assertThat(records).hasSize(1);
        JsonNode event = mapper.readTree(records.get(0).value());
        assertThat(event.get("rmaId").asText()).isEqualTo("web:" + rmaId);
        assertThat(event.get("orderId").asText()).isEqualTo(hubOrderId);
        assertThat(event.get("nodeId").asText()).isEqualTo("WH-NJ1");
        assertThat(event.at("/lines/0/sku").asText()).isEqualTo(sku);
        assertThat(event.at("/lines/0/condition").asText()).isEqualTo("SELLABLE");
    }

    @Test
    void shouldAnswerARedeliveredReturnWithoutASecondMessage() {
        String rmaId = "R-" + UUID.randomUUID();
        String body = rma(rmaId, storefrontOrderId, sku, 1);

        assertThat(Signed.storefront(url(), SECRET, body).statusCode()).isEqualTo(202);
        HttpResponse<String> again = Signed.storefront(url(), SECRET, body);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("DUPLICATE");
        assertThat(returnsPublished("web:" + rmaId)).isEqualTo(1);
    }

    @Test
    void shouldRefuseBadReturnsWithAReason() {
        String rmaId = "R-" + UUID.randomUUID();

        HttpResponse<String> unsigned = Signed.storefront(url(), "wrong-secret", rma(rmaId, storefrontOrderId, sku, 1));
        HttpResponse<String> unknownSku = Signed.storefront(url(), SECRET, rma(rmaId, storefrontOrderId, "NO-SUCH-SKU", 1));
        HttpResponse<String> unknownOrder = Signed.storefront(url(), SECRET, rma(rmaId, "no-such-order", sku, 1));
        HttpResponse<String> zero = Signed.storefront(url(), SECRET, rma(rmaId, storefrontOrderId, sku, 0));
        HttpResponse<String> malformed = Signed.storefront(url(), SECRET, "{\"rma_id\": ");

        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unknownSku.statusCode()).isEqualTo(422);
        assertThat(unknownSku.body()).contains("unknown sku NO-SUCH-SKU");
        assertThat(unknownOrder.statusCode()).isEqualTo(422);
        assertThat(unknownOrder.body()).contains("unknown order no-such-order");
        assertThat(zero.statusCode()).isEqualTo(400);
        assertThat(zero.body()).contains("/lines/0/quantity");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(returnsPublished("web:" + rmaId)).isZero();
    }
}
