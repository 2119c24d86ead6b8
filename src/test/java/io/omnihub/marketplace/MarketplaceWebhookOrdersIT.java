package io.omnihub.marketplace;

import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.canonical.OrderIds;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Marketplace orders pushed as Standard Webhooks through the webhook-order-source connector. */
class MarketplaceWebhookOrdersIT extends HubIntegrationTest {

    static final String SECRET = "marketplace-demo-secret";

    HttpResponse<String> post(String body, String id, long timestamp, String secret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/webhooks/marketplace/orders"))
                .header("Content-Type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSignatures.standardWebhooks(secret, id, timestamp, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    int stored(String channelOrderId) {
        return jdbc.queryForObject("select count(*) from orders where channel = 'marketplace' and channel_order_id = :id",
                new MapSqlParameterSource("id", channelOrderId), Integer.class);
    }

    @Test
    void shouldAcceptASignedStandardWebhook() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String id = "MPW-" + UUID.randomUUID();

        HttpResponse<String> response = post(MarketplaceOrdersRouteIT.order(id, sku, 1, "2026-11-25T11:02:05Z"),
                "msg_" + id, Instant.now().getEpochSecond(), SECRET);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains(OrderIds.of("marketplace", id));
        assertThat(stored(id)).isEqualTo(1);
    }

    @Test
    void shouldRefuseAReplayedOrForgedWebhook() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String id = "MPW-" + UUID.randomUUID();
        String body = MarketplaceOrdersRouteIT.order(id, sku, 1, "2026-11-25T11:02:05Z");

        HttpResponse<String> replayed = post(body, "msg_" + id, Instant.now().getEpochSecond() - 3600, SECRET);
        HttpResponse<String> forged = post(body, "msg_" + id, Instant.now().getEpochSecond(), "not-the-secret");

        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(replayed.body()).contains("outside the tolerance");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(stored(id)).isZero();
    }
}
