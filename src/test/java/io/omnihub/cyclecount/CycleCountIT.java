package io.omnihub.cyclecount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.StoreStub;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.omnihub.sync.SyncTestSupport.stockEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cycle counts end to end: a signal (a node's rejection, a sale of more than is on hand, an operator) asks the node
 * for a count through its own sink, the count comes back as a SNAPSHOT stock event, and its variance is in the
 * ledger and in the inventory-accuracy KPI; a sink that refuses the request leaves a dead letter a replay sends.
 */
class CycleCountIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;
    @Autowired
    OrderIntake intake;
    @Autowired
    OrderRouting routing;
    @Autowired
    CycleCounts counts;

    @Value("${omnihub.sftp.root}")
    String sftpRoot;

    JsonNode json(HttpResponse<String> r) throws Exception {
        return mapper.readTree(r.body());
    }

    Map<String, Object> openOrLast(String node, String sku) {
        return jdbc.queryForMap("select * from cycle_count where node_id = :n and sku = :s order by id desc limit 1",
                new MapSqlParameterSource("n", node).addValue("s", sku));
    }

    boolean has(String node, String sku, String status) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from cycle_count where node_id = :n and sku = :s and status = :st)",
                new MapSqlParameterSource("n", node).addValue("s", sku).addValue("st", status), Boolean.class));
    }

    JsonNode accuracy(String node) throws Exception {
        HttpResponse<String> r = api("GET", "/api/cycle-counts/accuracy", "viewer", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode n : json(r).get("nodes")) {
            if (n.get("nodeId").asText().equals(node)) {
                return n;
            }
        }
        return mapper.readTree("{\"counts\": 0, \"withinTolerance\": 0, \"varianceUnits\": 0}");
    }

    String order(String sku) {
        String canonical = """
                {"channelOrderId": "cc-%s", "placedAt": "2026-11-25T10:00:00Z", "currency": "USD", "fulfillmentType": "SHIP_TO_HOME",
                 "shipTo": {"city": "New York", "region": "NY", "country": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "lines": [{"lineNo": 1, "sku": "%s", "quantity": 1}]}""".formatted(UUID.randomUUID(), sku);
        String id = intake.accept("web", canonical).orderId();
        routing.route(id, OrderRouting.NEW);
        return id;
    }

    @Test
    void aRejectionAsksTheStoreForACountWhoseSnapshotIsTheVarianceInTheLedgerAndInTheAccuracyKpi() throws Exception {
        String sku = TestData.sku(jdbc, "ST-MAN", 6);
        String orderId = order(sku);
        assertThat(jdbc.queryForObject("select count(*) from reservation where order_id = :o and node_id = 'ST-MAN' and status = 'ACTIVE'",
                new MapSqlParameterSource("o", orderId), Integer.class)).isEqualTo(1);
        JsonNode before = accuracy("ST-MAN");

        HttpResponse<String> rejected = api("POST", "/api/orders/" + orderId + "/reject", "operator",
                "{\"node\": \"ST-MAN\", \"reason\": \"NOT_FOUND: not on the shelf\"}");
        assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(200);

        // the count is asked for through the store's own sink (STORE_HTTP): a POST to the store
        await().atMost(Duration.ofSeconds(30)).until(() -> has("ST-MAN", sku, "SENT"));
        Map<String, Object> count = openOrLast("ST-MAN", sku);
        long countId = ((Number) count.get("id")).longValue();
        assertThat(count.get("trigger")).isEqualTo("REJECTION");
        assertThat((String) count.get("reason")).contains("NOT_FOUND");
        assertThat((String) count.get("sent_to")).endsWith("/stores/ST-MAN/cycle-counts");
        assertThat(StoreStub.server().findAll(postRequestedFor(urlEqualTo("/stores/ST-MAN/cycle-counts"))
                .withRequestBody(matchingJsonPath("$.counts[?(@.countId == " + countId + ")].sku", com.github.tomakehurst.wiremock.client.WireMock.equalTo(sku)))))
                .as("the store got the count request naming the sku").hasSize(1);

        // the store counts 4 on the shelf; the ledger said 0 (nothing left to promise after NOT_FOUND)
        int ledger = jdbc.queryForObject("select on_hand from stock where node_id = 'ST-MAN' and sku = :s", new MapSqlParameterSource("s", sku), Integer.class);
        stockEvent(kafkaBrokers, "SNAPSHOT", "ST-MAN", sku, 4, "shelf count");
        await().atMost(Duration.ofSeconds(30)).until(() -> has("ST-MAN", sku, "COUNTED"));
        count = openOrLast("ST-MAN", sku);
        assertThat(((Number) count.get("id")).longValue()).isEqualTo(countId);
        assertThat(count).containsEntry("expected", ledger).containsEntry("counted", 4).containsEntry("variance", 4 - ledger)
                .containsEntry("within_tolerance", false);
        Map<String, Object> entry = jdbc.queryForMap("select kind, on_hand_delta, on_hand_after, reason from ledger_entry where id = :id",
                new MapSqlParameterSource("id", count.get("ledger_entry_id")));
        assertThat(entry).containsEntry("kind", "SNAPSHOT").containsEntry("on_hand_delta", 4 - ledger).containsEntry("on_hand_after", 4);
        assertThat((String) entry.get("reason")).as("the variance's ledger entry names the count")
                .contains("shelf count").contains("cycle count " + countId + " (REJECTION): variance " + (4 - ledger));
        assertThat(jdbc.queryForObject("select needs_count from stock where node_id = 'ST-MAN' and sku = :s",
                new MapSqlParameterSource("s", sku), Boolean.class)).isFalse();

        JsonNode after = accuracy("ST-MAN");
        assertThat(after.get("counts").asInt()).isEqualTo(before.get("counts").asInt() + 1);
        assertThat(after.get("withinTolerance").asInt()).isEqualTo(before.get("withinTolerance").asInt());
        assertThat(after.get("varianceUnits").asLong()).isEqualTo(before.get("varianceUnits").asLong() + Math.abs(4 - ledger));

        // an operator asks again; the shelf matches the ledger this time: within tolerance, accuracy goes up
        HttpResponse<String> asked = api("POST", "/api/cycle-counts", "operator", "{\"node\": \"ST-MAN\", \"skus\": [\"" + sku + "\"]}");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        long second = json(asked).get("requested").get(0).get("id").asLong();
        await().atMost(Duration.ofSeconds(30)).until(() -> has("ST-MAN", sku, "SENT"));
        stockEvent(kafkaBrokers, "SNAPSHOT", "ST-MAN", sku, 4, "shelf count");
        await().atMost(Duration.ofSeconds(30)).until(() -> json(api("GET", "/api/cycle-counts/" + second, "viewer", null))
                .get("status").asText().equals("COUNTED"));
        JsonNode again = json(api("GET", "/api/cycle-counts/" + second, "viewer", null));
        assertThat(again.get("trigger").asText()).isEqualTo("OPERATOR");
        assertThat(again.get("variance").asInt()).isZero();
        assertThat(again.get("withinTolerance").asBoolean()).isTrue();
        JsonNode last = accuracy("ST-MAN");
        assertThat(last.get("counts").asInt()).isEqualTo(before.get("counts").asInt() + 2);
        assertThat(last.get("withinTolerance").asInt()).isEqualTo(before.get("withinTolerance").asInt() + 1);
        assertThat(last.get("accuracy").asDouble()).isEqualTo((double) last.get("withinTolerance").asInt() / last.get("counts").asInt());

        String scrape = api("GET", "/actuator/prometheus", "viewer", null).body();
        assertThat(scrape).contains("omnihub_cycle_counts_total{node=\"ST-MAN\",outcome=\"outside\"}")
                .contains("omnihub_cycle_counts_total{node=\"ST-MAN\",outcome=\"within\"}")
                .contains("omnihub_cycle_count_variance_units_total{node=\"ST-MAN\"}")
                .contains("omnihub_inventory_accuracy{node=\"ST-MAN\"}");
    }

    @Test
    void aSaleOfMoreThanIsOnHandAsksTheWarehouseForACountByAFileInItsFolder() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 2);
        stockEvent(kafkaBrokers, "SALE", "WH-NJ1", sku, 5, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> has("WH-NJ1", sku, "SENT"));
        Map<String, Object> count = openOrLast("WH-NJ1", sku);
        assertThat(count.get("trigger")).isEqualTo("SHORTFALL");
        assertThat((String) count.get("reason")).contains("SALE of 5 with 2 on hand");
        assertThat(jdbc.queryForObject("select on_hand from stock where node_id = 'WH-NJ1' and sku = :s",
                new MapSqlParameterSource("s", sku), Integer.class)).as("floored at zero").isZero();
        String sentTo = (String) count.get("sent_to");
        Path file = Path.of(sftpRoot).resolve(sentTo);
        assertThat(file).exists();
        JsonNode request = mapper.readTree(Files.readString(file));
        assertThat(request.get("type").asText()).isEqualTo("CYCLE_COUNT");
        assertThat(request.get("nodeId").asText()).isEqualTo("WH-NJ1");
        assertThat(request.get("counts").findValuesAsText("sku")).contains(sku);

        // a sale that fits asks for nothing more: one count per node and sku while one is open
        stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 3, null);
        stockEvent(kafkaBrokers, "SALE", "WH-NJ1", sku, 9, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select on_hand from stock where node_id = 'WH-NJ1' and sku = :s", new MapSqlParameterSource("s", sku), Integer.class) == 0
                && jdbc.queryForObject("select count(*) from ledger_entry where node_id = 'WH-NJ1' and sku = :s and kind = 'SALE'",
                new MapSqlParameterSource("s", sku), Integer.class) == 2);
        assertThat(jdbc.queryForObject("select count(*) from cycle_count where node_id = 'WH-NJ1' and sku = :s",
                new MapSqlParameterSource("s", sku), Integer.class)).isEqualTo(1);
    }

    @Test
    void aStoreThatRefusesTheCountRequestLeavesADeadLetterThatAReplaySends() throws Exception {
        String sku = TestData.sku(jdbc, "ST-BRK", 3);
        StubMapping refusal = StoreStub.server().stubFor(post(urlEqualTo("/stores/ST-BRK/cycle-counts")).atPriority(1)
                .willReturn(aResponse().withStatus(500).withBody("store system down")));
        long deadLetter;
        try {
            HttpResponse<String> asked = api("POST", "/api/cycle-counts", "operator",
                    "{\"node\": \"ST-BRK\", \"skus\": [\"" + sku + "\"], \"reason\": \"test\"}");
            assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
            long id = json(asked).get("requested").get(0).get("id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> has("ST-BRK", sku, "FAILED"));
            Map<String, Object> count = openOrLast("ST-BRK", sku);
            assertThat(((Number) count.get("id")).longValue()).isEqualTo(id);
            deadLetter = ((Number) count.get("dead_letter_id")).longValue();
            Map<String, Object> dl = jdbc.queryForMap("select source, route_id, error, payload from dead_letter where id = :id",
                    new MapSqlParameterSource("id", deadLetter));
            assertThat(dl).containsEntry("source", "cycle-counts").containsEntry("route_id", "cycle-count-request-one");
            assertThat((String) dl.get("error")).contains("500");
            assertThat((String) dl.get("payload")).contains(sku).contains("\"type\":\"CYCLE_COUNT\"");
            assertThat(StoreStub.server().findAll(postRequestedFor(urlEqualTo("/stores/ST-BRK/cycle-counts"))
                    .withRequestBody(matchingJsonPath("$.counts[0].sku", com.github.tomakehurst.wiremock.client.WireMock.equalTo(sku)))))
                    .as("tried, then retried").hasSizeGreaterThan(1);
            // still open: a new signal for the sku asks nothing more until the failed request is replayed
            assertThat(json(api("POST", "/api/cycle-counts", "operator", "{\"node\": \"ST-BRK\", \"skus\": [\"" + sku + "\"]}"))
                    .get("alreadyOpen").asInt()).isEqualTo(1);
        } finally {
            StoreStub.server().removeStub(refusal);
        }
        HttpResponse<String> replay = api("POST", "/api/console/dead-letters/" + deadLetter + "/replay", "operator", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(json(replay).get("outcome").asText()).isEqualTo("REPLAYED");
        assertThat(openOrLast("ST-BRK", sku)).containsEntry("status", "SENT");
    }

    @Test
    void aScheduledPassAsksEachNodeForTheSkusLongestUncounted() {
        CycleCounts scheduler = new CycleCounts(jdbc, new CycleCountProperties(null, null, null, null, null, null, 2, null, null));
        List<Long> before = jdbc.queryForList("select id from cycle_count", new MapSqlParameterSource(), Long.class);
        int asked = scheduler.scheduled(List.of("DS-ACME"));
        List<Map<String, Object>> added = jdbc.queryForList("select node_id, trigger, reason from cycle_count where not (id = any(:ids))",
                new MapSqlParameterSource("ids", before.toArray(Long[]::new)));
        assertThat(added).hasSize(asked);
        assertThat(asked).isBetween(1, 2);
        assertThat(added).allSatisfy(r -> assertThat(r).containsEntry("node_id", "DS-ACME").containsEntry("trigger", "SCHEDULE"));
        assertThat(added).allSatisfy(r -> assertThat((String) r.get("reason")).startsWith("not counted since"));
    }

    @Test
    void theApiRefusesWhatItCannotCount() throws Exception {
        assertThat(api("POST", "/api/cycle-counts", "viewer", "{\"node\": \"WH-NJ1\", \"skus\": [\"SKU-1001\"]}").statusCode()).isEqualTo(403);
        HttpResponse<String> unknownNode = api("POST", "/api/cycle-counts", "operator", "{\"node\": \"NOPE\", \"skus\": [\"SKU-1001\"]}");
        assertThat(unknownNode.statusCode()).isEqualTo(400);
        assertThat(unknownNode.body()).contains("unknown node NOPE");
        HttpResponse<String> unknownSku = api("POST", "/api/cycle-counts", "operator", "{\"node\": \"WH-NJ1\", \"skus\": [\"NO-SUCH-SKU\"]}");
        assertThat(unknownSku.statusCode()).isEqualTo(400);
        assertThat(unknownSku.body()).contains("NO-SUCH-SKU");
        assertThat(api("POST", "/api/cycle-counts", "operator", "{\"node\": \"WH-NJ1\", \"skus\": []}").statusCode()).isEqualTo(400);
        assertThat(api("GET", "/api/cycle-counts/999999999", "viewer", null).statusCode()).isEqualTo(404);
        assertThat(api("GET", "/api/cycle-counts?status=LOST", "viewer", null).statusCode()).isEqualTo(400);
        HttpResponse<String> list = api("GET", "/api/cycle-counts?limit=5", "viewer", null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(json(list).isArray()).isTrue();
        HttpResponse<String> kpis = api("GET", "/api/reconciliations/kpis", "viewer", null);
        assertThat(kpis.statusCode()).as(kpis.body()).isEqualTo(200);
        assertThat(json(kpis).get("accuracy").isArray()).isTrue();
        assertThat(json(kpis).get("driftPerDay").isArray()).isTrue();
        assertThat(json(kpis).get("timeToRepair").isArray()).isTrue();
        String docs = api("GET", "/v3/api-docs", "viewer", null).body();
        assertThat(docs).contains("/api/cycle-counts").contains("/api/cycle-counts/accuracy");
    }
}
