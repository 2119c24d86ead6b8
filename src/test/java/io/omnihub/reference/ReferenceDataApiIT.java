package io.omnihub.reference;

import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Nodes, items and channels are maintained through the admin API by an operator, and checked. */
class ReferenceDataApiIT extends HubIntegrationTest {

    private final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> put(String path, String user, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void operatorCreatesANodeAnItemAndAChannel() throws Exception {
        String node = "ST-" + UUID.randomUUID().toString().substring(0, 8);
        String channel = "ch-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(put("/api/nodes/" + node, "operator", """
                {"name": "Hoboken", "type": "STORE", "latitude": 40.744, "longitude": -74.032,
                 "capabilities": ["PICKUP_IN_STORE", "SHIP_FROM_STORE"], "dailyOrderCap": 50, "safetyStock": 1, "sink": "STORE_HTTP"}
                """).statusCode()).isEqualTo(200);
        assertThat(put("/api/items/SKU-" + node, "operator", "{\"name\": \"Gift card\", \"unitPrice\": 25}").statusCode()).isEqualTo(200);
        assertThat(put("/api/channels/" + channel, "operator", "{\"name\": \"Social shop\", \"allowSplit\": false, \"nodes\": [\"" + node + "\", \"WH-NJ1\"]}")
                .statusCode()).isEqualTo(200);

        assertThat(jdbc.queryForObject("select array_to_string(capabilities, ',') from node where id = :id",
                new MapSqlParameterSource("id", node), String.class)).isEqualTo("PICKUP_IN_STORE,SHIP_FROM_STORE");
        assertThat(jdbc.queryForList("select node_id from channel_node where channel_id = :c order by node_id",
                new MapSqlParameterSource("c", channel), String.class)).containsExactly(node, "WH-NJ1");
    }

    @Test
    void shouldRefuseAnInvalidNodeNamingTheField() throws Exception {
        HttpResponse<String> response = put("/api/nodes/ST-BAD", "operator",
                "{\"name\": \"x\", \"type\": \"SHOP\", \"latitude\": 95, \"longitude\": 0}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("type: must be WAREHOUSE, STORE or DROPSHIP").contains("latitude");
        assertThat(jdbc.queryForObject("select count(*) from node where id = 'ST-BAD'", new MapSqlParameterSource(), Integer.class)).isZero();
    }

    @Test
    void shouldRefuseAChannelWithAnUnknownNode() throws Exception {
        HttpResponse<String> response = put("/api/channels/ch-unknown", "operator", "{\"name\": \"x\", \"nodes\": [\"NOPE\"]}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("unknown node NOPE");
    }

    @Test
    void viewerMayNotChangeReferenceData() throws Exception {
        assertThat(put("/api/items/SKU-VIEWER", "viewer", "{\"name\": \"x\"}").statusCode()).isEqualTo(403);
    }
}
