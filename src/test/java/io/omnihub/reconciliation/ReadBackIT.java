package io.omnihub.reconciliation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.delivery.ChannelStubs;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import io.omnihub.sync.SyncTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Read-back of the channels that serve their figures whole: the web storefront's CSV stock export over HTTP (read
 * once per run, paged from the snapshot), the compacted topic the POS publishes its figures on, and the stock file
 * the feed partner publishes on the SFTP server. Each run finds
 * exactly the skus that differ, with their causes, and repairs them through the normal delivery path.
 */
class ReadBackIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;

    @org.springframework.beans.factory.annotation.Value("${omnihub.sftp.root}")
    String sftpRoot;

    Integer hub(String channel, String sku) {
        List<Integer> figures = jdbc.queryForList("select available from ats_state where channel = :c and sku = :s",
                new MapSqlParameterSource("c", channel).addValue("s", sku), Integer.class);
        return figures.isEmpty() ? null : figures.get(0);
    }

    /** A new sku at {@code node} with {@code quantity}, whose figure the sync has computed for {@code channel}. */
    String synced(String channel, String node, int quantity) {
        String sku = TestData.sku(jdbc, node, quantity);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        await().atMost(Duration.ofSeconds(30)).until(() -> hub(channel, sku) != null && jdbc.queryForObject("""
                select count(*) from delivery where channel = :c and ordering_key = :s and status = 'DELIVERED'""",
                new MapSqlParameterSource("c", channel).addValue("s", sku), Integer.class) > 0);
        return sku;
    }

    JsonNode reconcile(String channel, List<String> skus) throws Exception {
        HttpResponse<String> started = api("POST", "/api/reconciliations", "operator",
                mapper.writeValueAsString(Map.of("channel", channel, "skus", skus)));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        long id = mapper.readTree(started.body()).get("id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> !run(id).get("run").get("status").asText().matches("QUEUED|RUNNING"));
        JsonNode run = run(id);
        assertThat(run.get("run").get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
        return run;
    }

    JsonNode run(long id) throws Exception {
        return mapper.readTree(api("GET", "/api/reconciliations/" + id, "operator", null).body());
    }

    static Map<String, String> causes(JsonNode run) {
        Map<String, String> causes = new HashMap<>();
        run.get("drifts").forEach(d -> causes.put(d.get("sku").asText(), d.get("cause").asText()));
        return causes;
    }

    @Test
    void shouldReadTheStorefrontsStockExportOncePerRunAndRepairWhatDiffers() throws Exception {
        String same = synced("web", "WH-NJ1", 30);
        String changed = synced("web", "WH-NJ1", 31);
        String missing = synced("web", "WH-NJ1", 32);
        String csv = "sku,available,name\n" + same + "," + hub("web", same) + ",\"a, b\"\n"
                + changed + "," + (hub("web", changed) + 4) + ",x\nNOT-SOLD-HERE,5,y\n";
        StubMapping export = ChannelStubs.server().stubFor(get(urlEqualTo("/web/stock-export"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/csv").withBody(csv)));
        int callbacksBefore = SyncTestSupport.webFigures(changed).size() + SyncTestSupport.webFigures(missing).size();
        try {
            JsonNode run = reconcile("web", List.of(same, changed, missing, "NOT-SOLD-HERE"));
            assertThat(causes(run)).isEqualTo(Map.of(changed, "CHANGED_AT_CHANNEL", missing, "NOT_APPLIED"));
            assertThat(run.get("run").get("pages").asInt()).as("pages of 2 from the one snapshot").isEqualTo(2);
            assertThat(run.get("run").get("unknownSkus").asInt()).isEqualTo(1);
            assertThat(ChannelStubs.server().findAll(getRequestedFor(urlEqualTo("/web/stock-export")))).as("the export read once")
                    .hasSize(1).allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer web-export-demo-token"));
            // repaired by signed callbacks through the normal delivery path
            await().atMost(Duration.ofSeconds(30)).until(() -> SyncTestSupport.webFigures(changed).size()
                    + SyncTestSupport.webFigures(missing).size() == callbacksBefore + 2);
            assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(changed))).isEqualTo(hub("web", changed));
            assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(missing))).isEqualTo(hub("web", missing));

            // an export that does not parse fails the run, saying why
            ChannelStubs.server().stubFor(get(urlEqualTo("/web/stock-export")).atPriority(1)
                    .willReturn(aResponse().withStatus(200).withBody("sku,available\n" + same + ",lots\n")));
            HttpResponse<String> started = api("POST", "/api/reconciliations", "operator", "{\"channel\": \"web\", \"skus\": [\"" + same + "\"]}");
            long id = mapper.readTree(started.body()).get("id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> run(id).get("run").get("status").asText().equals("FAILED"));
            assertThat(run(id).get("run").get("error").asText()).contains("available is not a whole number: lots");
        } finally {
            ChannelStubs.server().removeStub(export);
            ChannelStubs.server().getStubMappings().stream().filter(m -> m.getRequest().getUrl() != null
                    && m.getRequest().getUrl().equals("/web/stock-export")).toList().forEach(ChannelStubs.server()::removeStub);
        }
    }

    @Test
    void shouldReadThePosCompactedTopicAndRepairWhatDiffers() throws Exception {
        String same = synced("pos", "ST-MAN", 12);
        String changed = synced("pos", "ST-MAN", 13);
        String removed = synced("pos", "ST-MAN", 14);
        String topic = "pos.inventory.v1";
        SyncTestSupport.send(kafkaBrokers, topic, same, "{\"sku\": \"" + same + "\", \"available\": " + hub("pos", same) + "}");
        SyncTestSupport.send(kafkaBrokers, topic, changed, "{\"sku\": \"" + changed + "\", \"available\": 1}");
        SyncTestSupport.send(kafkaBrokers, topic, changed, String.valueOf(hub("pos", changed) + 7));
        SyncTestSupport.send(kafkaBrokers, topic, removed, "{\"available\": " + hub("pos", removed) + "}");
        SyncTestSupport.send(kafkaBrokers, topic, removed, null);

        JsonNode run = reconcile("pos", List.of(same, changed, removed));
        assertThat(causes(run)).isEqualTo(Map.of(changed, "CHANGED_AT_CHANNEL", removed, "NOT_APPLIED"));
        JsonNode drift = run.get("drifts").findParents("sku").stream().filter(d -> d.get("sku").asText().equals(changed)).findFirst().orElseThrow();
        assertThat(drift.get("channelFigure").asInt()).as("the newest record of the key").isEqualTo(hub("pos", changed) + 7);
        // repaired by new figures on the hub's own topic for the POS
        await().atMost(Duration.ofSeconds(30)).until(() -> run(run.get("run").get("id").asLong()).get("run").get("repaired").asInt() == 2);
    }

    @Test
    void shouldReadTheFeedPartnersStockFileOverSftpAndRepairWhatDiffers() throws Exception {
        jdbc.update("insert into channel (id, name, allow_split) values ('feed', 'Affiliate feed', false) on conflict do nothing",
                new MapSqlParameterSource());
        jdbc.update("insert into channel_node (channel_id, node_id) values ('feed', 'WH-NJ1') on conflict do nothing",
                new MapSqlParameterSource());
        String same = synced("feed", "WH-NJ1", 21);
        String changed = synced("feed", "WH-NJ1", 22);
        String missing = synced("feed", "WH-NJ1", 23);
        Path file = Path.of(sftpRoot, "feeds", "affiliate", "shown", "inventory.csv");
        Files.createDirectories(file.getParent());
        long failedBefore = feedReadsFailed();
        try {
            // no file yet: the page fails and the run tries it again; the partner publishes it meanwhile
            HttpResponse<String> started = api("POST", "/api/reconciliations", "operator",
                    mapper.writeValueAsString(Map.of("channel", "feed", "skus", List.of(same, changed, missing))));
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            long id = mapper.readTree(started.body()).get("id").asLong();
            await().atMost(Duration.ofSeconds(30)).until(() -> feedReadsFailed() > failedBefore);
            Files.writeString(file, "sku,available\n" + same + "," + hub("feed", same) + "\n" + changed + "," + (hub("feed", changed) + 2) + "\n");
            await().atMost(Duration.ofSeconds(60)).until(() -> !run(id).get("run").get("status").asText().matches("QUEUED|RUNNING"));
            JsonNode run = run(id);
            assertThat(run.get("run").get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
            assertThat(causes(run)).isEqualTo(Map.of(changed, "CHANGED_AT_CHANNEL", missing, "NOT_APPLIED"));
            assertThat(file).as("the partner's file is left where it is").exists();
            // repaired: the corrective figures go out in the next feed file and are acknowledged
            await().atMost(Duration.ofSeconds(30)).until(() -> run(id).get("run").get("repaired").asInt() == 2);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Autowired
    org.apache.camel.CamelContext camel;

    /** Reads of the feed partner's file that failed so far (route channel-feed-inventory). */
    long feedReadsFailed() {
        return camel.getCamelContextExtension().getContextPlugin(org.apache.camel.api.management.ManagedCamelContext.class)
                .getManagedRoute("channel-feed-inventory").getExchangesFailed();
    }
}
