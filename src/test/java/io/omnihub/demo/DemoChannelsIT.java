package io.omnihub.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's stand-in channels accept only what the real channel would: a valid signature, the right credential. */
class DemoChannelsIT extends HubIntegrationTest {

    @Value("${omnihub.channels.web.sink.secret}")
    String webSecret;

    HttpResponse<String> webCallback(String body, String secret) {
        String id = "msg_" + UUID.randomUUID();
        long ts = Instant.now().getEpochSecond();
        return Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/web/callbacks"))
                .header("Content-Type", "application/json")
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", WebhookSignatures.standardWebhooks(secret, id, ts, body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void shouldKeepAuthenticCallbacksAndRefuseForgedOnes() throws Exception {
        String marker = "DEMO-" + UUID.randomUUID();
        assertThat(webCallback("{\"sku\":\"" + marker + "\",\"available\":3}", webSecret).statusCode()).isEqualTo(204);
        assertThat(webCallback("{\"sku\":\"" + marker + "\",\"available\":99}", "whsec_" + Base64.getEncoder()
                .encodeToString("forged".getBytes(StandardCharsets.UTF_8))).statusCode()).isEqualTo(401);

        HttpResponse<String> list = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("viewer:viewer".getBytes(StandardCharsets.UTF_8)))
                .GET().build());
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode web = new ObjectMapper().readTree(list.body()).get("web");
        int authentic = 0;
        int forged = 0;
        for (JsonNode r : web) {
            if (r.get("body").asText().contains(marker)) {
                if (r.get("authentic").asBoolean()) {
                    authentic++;
                    assertThat(r.get("body").asText()).contains("\"available\":3");
                } else {
                    forged++;
                }
            }
        }
        assertThat(authentic).isEqualTo(1);
        assertThat(forged).isEqualTo(1);
    }

    HttpResponse<String> export(String auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/web/stock-export")).GET();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return Signed.post(b.build());
    }

    @Test
    void shouldServeTheStorefrontsFiguresAsAStockExportAndTakeAnAdminEdit() {
        String sku = "DEMO-WEB-" + UUID.randomUUID();
        assertThat(webCallback("{\"type\":\"inventory.available\",\"data\":{\"sku\":\"" + sku + "\",\"available\":4}}", webSecret)
                .statusCode()).isEqualTo(204);
        // a forged callback changes nothing the storefront shows
        webCallback("{\"type\":\"inventory.available\",\"data\":{\"sku\":\"" + sku + "\",\"available\":40}}", "whsec_"
                + Base64.getEncoder().encodeToString("forged".getBytes(StandardCharsets.UTF_8)));
        assertThat(export(null).statusCode()).isEqualTo(401);
        HttpResponse<String> csv = export("Bearer web-export-demo-token");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.body()).startsWith("sku,available\n").contains("\n" + sku + ",4\n");

        HttpResponse<String> edit = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/web/admin/stock/" + sku))
                .header("Authorization", "Bearer web-export-demo-token").header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"available\": 9}")).build());
        assertThat(edit.statusCode()).isEqualTo(204);
        assertThat(export("Bearer web-export-demo-token").body()).contains("\n" + sku + ",9\n");
    }
}
