package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /api/mappings/{name}/preview over real HTTP, as an operator would call it. */
class MappingPreviewIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;

    HttpResponse<String> preview(String name, String user, String body) {
        return Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/mappings/" + name + "/preview"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void shouldShowTheCanonicalResultAndThatItIsValid() throws Exception {
        String sample = Files.readString(Path.of("src/test/resources/mappings/wms-stock.input.json"));

        HttpResponse<String> response = preview("wms-stock", "operator", sample);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = mapper.readTree(response.body());
        assertThat(answer.get("schema").asText()).isEqualTo("stock-event");
        assertThat(answer.get("valid").asBoolean()).isTrue();
        assertThat(answer.get("violations")).isEmpty();
        assertThat(answer.get("result")).isEqualTo(mapper.readTree(Files.readString(Path.of("src/test/resources/mappings/wms-stock.expected.json"))));
    }

    @Test
    void shouldListTheSchemaViolationsOfABadSample() throws Exception {
        String sample = Files.readString(Path.of("src/test/resources/mappings/storefront-order.input.json"))
                .replaceFirst("\"quantity\"\\s*:\\s*\\d+", "\"quantity\": 0");

        JsonNode answer = mapper.readTree(preview("storefront-order", "operator", sample).body());

        assertThat(answer.get("schema").asText()).isEqualTo("canonical-order");
        assertThat(answer.get("valid").asBoolean()).isFalse();
        assertThat(answer.get("violations").toString()).contains("/lines/0/quantity");
        assertThat(answer.at("/result/orderId").isMissingNode()).as("the result is the mapping's own output").isTrue();
    }

    @Test
    void shouldRefuseUnknownMappingsBadSamplesAndViewers() {
        assertThat(preview("no-such-mapping", "operator", "{}").statusCode()).isEqualTo(404);
        assertThat(preview("wms-stock", "operator", "{\"sku\": ").statusCode()).isEqualTo(400);
        assertThat(preview("wms-stock", "viewer", "{}").statusCode()).isEqualTo(403);
    }
}
