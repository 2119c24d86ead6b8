package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /api/routing/simulations}: the latest simulations with their progress and headline figures, for the console. */
class SimulationListIT extends PolicyTestSupport {

    @Test
    void shouldListASimulationWithItsProgressAndHeadlineFiguresNewestFirst() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 20);
        Instant from = jdbc.queryForObject("select clock_timestamp()", Map.of(), Timestamp.class).toInstant();
        routedOrder(sku, 1);
        routedOrder(sku, 2);
        Instant to = jdbc.queryForObject("select clock_timestamp()", Map.of(), Timestamp.class).toInstant().plusMillis(1);

        HttpResponse<String> started = call("POST", "/api/routing/simulations", "operator",
                Map.of("version", activeBefore, "from", from.toString(), "to", to.toString(), "channel", "web"));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = json(started).path("id").asText();

        await().atMost(Duration.ofSeconds(30)).until(() -> "DONE".equals(listed(id).path("status").asText()));
        JsonNode row = listed(id);
        assertThat(row.path("done").asInt()).isEqualTo(row.path("total").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(row.path("orders").asInt()).isEqualTo(row.path("total").asInt());
        assertThat(row.path("changedCount").asInt()).as("the policy that decided them decides them again").isZero();
        assertThat(row.path("request").path("version").asInt()).isEqualTo(activeBefore);
        assertThat(row.path("author").asText()).isEqualTo("operator");
        assertThat(row.has("report")).as("the list leaves the reports out").isFalse();
        JsonNode list = readArray(call("GET", "/api/routing/simulations?limit=1", "viewer", null));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("id").asText()).as("newest first").isEqualTo(id);
    }

    JsonNode listed(String id) {
        for (JsonNode s : readArray(call("GET", "/api/routing/simulations?limit=50", "viewer", null))) {
            if (id.equals(s.path("id").asText())) {
                return s;
            }
        }
        throw new AssertionError("simulation " + id + " is not listed");
    }

    JsonNode readArray(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        try {
            return mapper.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
