package io.omnihub.reconciliation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.channels.Channel;
import io.omnihub.channels.ChannelsProperties;
import io.omnihub.channels.ReadBack;
import io.omnihub.delivery.ChannelStubs;
import io.omnihub.delivery.MarketplaceInventory;
import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.omnihub.sync.SyncTestSupport.stockEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reconciliation against the marketplace stub, which keeps and serves back the figures it accepted
 * ({@link MarketplaceInventory}): drifts found with their causes, repaired through the normal delivery path, and a
 * second run that finds nothing.
 */
class ReconciliationIT extends HubIntegrationTest {

    static final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ObjectMapper mapper;

    /** {@code count} new skus at WH-NJ1 (which the web storefront and the marketplace sell), synced to the channels. */
    List<String> stockedSkus(int count) {
        String prefix = "R-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase() + "-";
        MapSqlParameterSource p = new MapSqlParameterSource("prefix", prefix).addValue("n", count);
        // one statement each, with the ledger entries that explain the stock, and the outbox rows that wake the sync
        jdbc.update("insert into item (sku, name, unit_price) select :prefix || lpad(i::text, 5, '0'), 'reconciliation test', 10.00 "
                + "from generate_series(1, :n) i", p);
        jdbc.update("insert into stock (node_id, sku, on_hand) select 'WH-NJ1', :prefix || lpad(i::text, 5, '0'), 20 + i % 7 "
                + "from generate_series(1, :n) i", p);
        jdbc.update("insert into ledger_entry (node_id, sku, kind, on_hand_delta, on_hand_after, reserved_after, reason) "
                + "select 'WH-NJ1', :prefix || lpad(i::text, 5, '0'), 'SNAPSHOT', 20 + i % 7, 20 + i % 7, 0, 'reconciliation test' "
                + "from generate_series(1, :n) i", p);
        jdbc.update("insert into outbox (kind, msg_key) select 'STOCK_CHANGED', :prefix || lpad(i::text, 5, '0') "
                + "from generate_series(1, :n) i", p);
        List<String> skus = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            skus.add(prefix + String.format("%05d", i));
        }
        return skus;
    }

    Map<String, Integer> hubFigures(List<String> skus) {
        Map<String, Integer> figures = new HashMap<>();
        jdbc.query("select sku, available from ats_state where channel = 'marketplace' and sku = any(:skus)",
                new MapSqlParameterSource("skus", skus.toArray(new String[0])), rs -> {
                    figures.put(rs.getString(1), rs.getInt(2));
                });
        return figures;
    }

    /** The skus whose figure at the marketplace differs from the hub's. */
    Set<String> differing(List<String> skus) {
        Map<String, Integer> hub = hubFigures(skus);
        Set<String> differ = new HashSet<>();
        for (String sku : skus) {
            if (!hub.containsKey(sku) || !hub.get(sku).equals(MarketplaceInventory.figure(sku))) {
                differ.add(sku);
            }
        }
        return differ;
    }

    HttpResponse<String> call(String method, String path, String user, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    long start(List<String> skus) throws Exception {
        HttpResponse<String> started = call("POST", "/api/reconciliations", "operator:operator",
                mapper.writeValueAsString(Map.of("channel", "marketplace", "skus", skus)));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        return mapper.readTree(started.body()).get("id").asLong();
    }

    JsonNode run(long id) throws Exception {
        HttpResponse<String> got = call("GET", "/api/reconciliations/" + id, "viewer:viewer", null);
        assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
        return mapper.readTree(got.body());
    }

    JsonNode completed(long id) throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> !run(id).get("run").get("status").asText().matches("QUEUED|RUNNING"));
        JsonNode run = run(id);
        assertThat(run.get("run").get("status").asText()).as(run.toString()).isEqualTo("COMPLETED");
        return run;
    }

    @Test
    void shouldFindExactlyTheDriftedSkusRepairThemAndFindNothingTheSecondTime() throws Exception {
        List<String> skus = stockedSkus(1000);
        await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> assertThat(differing(skus).size())
                .as("skus whose marketplace figure differs from the hub's; marketplace deliveries: " + jdbc.queryForList(
                        "select status || ' ' || count(*) from delivery where channel = 'marketplace' and ordering_key = any(:skus) group by status",
                        new MapSqlParameterSource("skus", skus.toArray(new String[0])), String.class)).isZero());

        // 50 changed in the marketplace's admin, behind the hub's back
        List<String> changed = skus.subList(0, 50);
        Map<String, Integer> edits = new HashMap<>();
        changed.forEach(sku -> edits.put(sku, MarketplaceInventory.figure(sku) + 5));
        MarketplaceInventory.set(edits);
        // 20 missed their new figure during an outage longer than the retries
        List<String> missed = skus.subList(100, 120);
        StubMapping outage = ChannelStubs.server().stubFor(put(urlPathMatching("/marketplace/inventory/(" + String.join("|", missed) + ")"))
                .atPriority(1).willReturn(aResponse().withStatus(503).withBody("down for maintenance")));
        // 10 acknowledged their new figure but did not apply it
        List<String> ignored = skus.subList(200, 210);
        MarketplaceInventory.ignore(ignored);
        try {
            for (String sku : missed) {
                stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 10, null);
            }
            for (String sku : ignored) {
                stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 10, null);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> jdbc.queryForObject("""
                    select count(*) from delivery d where d.channel = 'marketplace' and d.kind = 'ATS' and d.ordering_key = any(:skus)
                      and d.id = (select max(n.id) from delivery n where n.channel = 'marketplace' and n.kind = 'ATS'
                                    and n.ordering_key = d.ordering_key)
                      and d.status = case when d.ordering_key = any(:missed) then 'DEAD' else 'DELIVERED' end
                      and d.sequence = 2""",
                    new MapSqlParameterSource("skus", concat(missed, ignored)).addValue("missed", missed.toArray(new String[0])),
                    Integer.class) == 30);
        } finally {
            ChannelStubs.server().removeStub(outage);
            MarketplaceInventory.apply(ignored);
        }

        long first = start(skus);
        JsonNode run = completed(first);
        assertThat(run.get("run").get("skusRead").asInt()).isGreaterThanOrEqualTo(1000);
        Map<String, String> causes = new HashMap<>();
        run.get("drifts").forEach(d -> causes.put(d.get("sku").asText(), d.get("cause").asText()));
        Map<String, String> expected = new HashMap<>();
        changed.forEach(s -> expected.put(s, "CHANGED_AT_CHANNEL"));
        missed.forEach(s -> expected.put(s, "NEVER_DELIVERED"));
        ignored.forEach(s -> expected.put(s, "NOT_APPLIED"));
        assertThat(causes).as("exactly the drifted skus, each with its cause").isEqualTo(expected);
        assertThat(run.get("run").get("drifts").asInt()).isEqualTo(80);
        JsonNode aDrift = run.get("drifts").get(0);
        assertThat(aDrift.get("hubFigure").asInt()).isNotEqualTo(aDrift.get("channelFigure").asInt());
        assertThat(aDrift.get("lastDeliveryAgeSeconds").asLong()).isGreaterThanOrEqualTo(0);

        // every drift repaired through the normal delivery path: the corrective figures reach the marketplace
        await().atMost(Duration.ofSeconds(60)).until(() -> differing(skus).isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> run(first).get("run").get("repaired").asInt() == 80);
        assertThat(jdbc.queryForObject("""
                select count(*) from reconciliation_drift r join delivery d on d.id = r.delivery_id
                where r.run_id = :run and d.channel = 'marketplace' and d.kind = 'ATS' and d.status = 'DELIVERED'""",
                new MapSqlParameterSource("run", first), Integer.class)).as("one delivered corrective delivery per drift").isEqualTo(80);

        long second = start(skus);
        JsonNode again = completed(second);
        assertThat(again.get("run").get("drifts").asInt()).as(again.toString()).isZero();
        assertThat(again.get("drifts")).isEmpty();
    }

    @Autowired
    ReconciliationRuns runs;

    @Test
    void shouldPageThroughTwentyThousandSkusUnderA429RateLimitWhileLiveDeliveriesGoOn() throws Exception {
        String prefix = "RB-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase() + "-";
        MapSqlParameterSource p = new MapSqlParameterSource("prefix", prefix).addValue("n", 20_000);
        jdbc.update("insert into item (sku, name, unit_price) select :prefix || lpad(i::text, 5, '0'), 'read-back test', 10.00 "
                + "from generate_series(1, :n) i", p);
        // the figures the hub says the marketplace shows (as if delivered long ago), and the same at the marketplace
        // but for 10 skus changed there
        jdbc.update("insert into ats_state (channel, sku, available, sequence) select 'marketplace', :prefix || lpad(i::text, 5, '0'), "
                + "i % 50, 1 from generate_series(1, :n) i", p);
        List<String> skus = new ArrayList<>();
        Map<String, Integer> shown = new HashMap<>();
        Set<String> drifted = new HashSet<>();
        for (int i = 1; i <= 20_000; i++) {
            String sku = prefix + String.format("%05d", i);
            skus.add(sku);
            shown.put(sku, i % 2000 == 0 ? i % 50 + 3 : i % 50);
            if (i % 2000 == 0) {
                drifted.add(sku);
            }
        }
        MarketplaceInventory.set(shown);
        String live = io.omnihub.support.TestData.sku(jdbc, "WH-NJ1", 40);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", live));
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(40 * 90 / 100 - 2).equals(MarketplaceInventory.figure(live)));

        // every third read-back request answered 429 Retry-After: 1
        MarketplaceInventory.rateLimit(3, 1);
        try {
            long id = runs.start("marketplace", skus, true, "TEST");
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                    "select pages from reconciliation_run where id = :id", new MapSqlParameterSource("id", id), Integer.class) > 0);
            List<Long> latencies = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                int expected = (40 + i) * 90 / 100 - 2;
                long sent = System.nanoTime();
                stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", live, 1, null);
                await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(expected).equals(MarketplaceInventory.figure(live)));
                latencies.add((System.nanoTime() - sent) / 1_000_000);
                assertThat(jdbc.queryForObject("select status from reconciliation_run where id = :id",
                        new MapSqlParameterSource("id", id), String.class))
                        .as("the live figure was delivered while the run was going on").isEqualTo("RUNNING");
            }
            System.out.println("live marketplace deliveries during the read-back, ms: " + latencies);

            JsonNode run = completed(id);
            System.out.println("read-back run: " + run.get("run"));
            assertThat(run.get("run").get("skusRead").asInt()).isGreaterThanOrEqualTo(20_000);
            assertThat(run.get("run").get("rateLimited").asInt()).as("429s met and waited out").isGreaterThan(0);
            Set<String> found = new HashSet<>();
            run.get("drifts").forEach(d -> found.add(d.get("sku").asText()));
            assertThat(found).isEqualTo(drifted);
            assertThat(run.get("run").get("repaired").asInt()).as("report-only").isZero();
        } finally {
            MarketplaceInventory.rateLimit(0, 0);
        }
    }

    @Test
    void shouldLetOnlyAnOperatorStartARunAndAViewerReadIt() throws Exception {
        assertThat(call("POST", "/api/reconciliations", "viewer:viewer", "{\"channel\": \"marketplace\"}").statusCode()).isEqualTo(403);
        HttpResponse<String> unknown = call("POST", "/api/reconciliations", "operator:operator", "{\"channel\": \"nowhere\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("cannot be read back");
        assertThat(call("POST", "/api/reconciliations", "operator:operator", "{}").statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/reconciliations", "operator:operator", "{\"channel\": \"marketplace\", \"skus\": []}").statusCode())
                .isEqualTo(400);
        assertThat(call("GET", "/api/reconciliations/999999999", "viewer:viewer", null).statusCode()).isEqualTo(404);
        JsonNode channels = mapper.readTree(call("GET", "/api/reconciliations/channels", "viewer:viewer", null).body());
        assertThat(channels.findValuesAsText("channel")).containsExactlyInAnyOrder("feed", "marketplace", "pos", "web");

        String sku = io.omnihub.support.TestData.sku(jdbc, "WH-NJ1", 30);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(30 * 90 / 100 - 2).equals(MarketplaceInventory.figure(sku)));
        MarketplaceInventory.set(Map.of(sku, 1));
        long id = start(List.of(sku));
        JsonNode run = completed(id);
        assertThat(run.get("drifts")).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> run(id).get("run").get("repaired").asInt() == 1);
        assertThat(MarketplaceInventory.figure(sku)).isEqualTo(30 * 90 / 100 - 2);

        HttpResponse<String> recent = call("GET", "/api/reconciliations?channel=marketplace&limit=5", "viewer:viewer", null);
        assertThat(recent.statusCode()).isEqualTo(200);
        assertThat(mapper.readTree(recent.body()).get(0).get("id").asLong()).isEqualTo(id);
        assertThat(call("GET", "/v3/api-docs", "viewer:viewer", null).body())
                .contains("/api/reconciliations", "/api/reconciliations/{id}");
        // the scrape needs a user (metrics name channels and volumes)
        String metrics = call("GET", "/actuator/prometheus", "viewer:viewer", null).body();
        assertThat(metrics).contains("omnihub_reconciliation_drifts_total{cause=\"CHANGED_AT_CHANNEL\",channel=\"marketplace\"",
                "omnihub_reconciliation_repair_seconds_count{channel=\"marketplace\"", "omnihub_reconciliation_runs_total");
    }

    @Test
    void shouldAskTheNodesHoldingASkuForACountWhenTheChannelKeepsDriftingOnIt() throws Exception {
        String sku = io.omnihub.support.TestData.sku(jdbc, "WH-NJ1", 30);
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)", new MapSqlParameterSource("sku", sku));
        await().atMost(Duration.ofSeconds(30)).until(() -> Integer.valueOf(30 * 90 / 100 - 2).equals(MarketplaceInventory.figure(sku)));
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        String counts = "select count(*) from cycle_count where sku = :sku and trigger = 'RECURRING_DRIFT'";
        for (int time = 1; time <= 3; time++) {
            assertThat(jdbc.queryForObject(counts, p, Integer.class)).as("no count asked for after %d drifts", time - 1).isZero();
            // changed at the marketplace behind the hub's back, found (report-only: the drift stays, as a channel that
            // keeps overwriting its figure would make it come back)
            MarketplaceInventory.set(Map.of(sku, 100 + time));
            HttpResponse<String> started = call("POST", "/api/reconciliations", "operator:operator",
                    "{\"channel\": \"marketplace\", \"skus\": [\"" + sku + "\"], \"reportOnly\": true}");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            assertThat(completed(mapper.readTree(started.body()).get("id").asLong()).get("drifts")).hasSize(1);
        }
        Map<String, Object> count = jdbc.queryForMap("select node_id, status, reason from cycle_count where sku = :sku and trigger = 'RECURRING_DRIFT'", p);
        assertThat(count).containsEntry("node_id", "WH-NJ1");
        assertThat((String) count.get("reason")).startsWith("marketplace drifted on it 3 times");
        // sent to the warehouse's sink like any count
        await().atMost(Duration.ofSeconds(30)).until(() -> "SENT".equals(jdbc.queryForObject(
                "select status from cycle_count where sku = :sku and trigger = 'RECURRING_DRIFT'", p, String.class)));
    }

    @Test
    void shouldRunOneRunOfAChannelAtATimeAcrossInstances() throws Exception {
        // another instance's run of the marketplace, going on (its heartbeat is fresh)
        long other = jdbc.queryForObject("""
                insert into reconciliation_run (channel, report_only, trigger, status) values ('marketplace', true, 'TEST', 'RUNNING')
                returning id""", new MapSqlParameterSource(), Long.class);
        // the database itself refuses a second running run of a channel, whoever tries
        long second = jdbc.queryForObject("""
                insert into reconciliation_run (channel, report_only, trigger, status) values ('marketplace', true, 'TEST', 'QUEUED')
                returning id""", new MapSqlParameterSource(), Long.class);
        MapSqlParameterSource secondId = new MapSqlParameterSource("id", second);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.update(
                "update reconciliation_run set status = 'RUNNING' where id = :id", secondId))
                .isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
        jdbc.update("update reconciliation_run set status = 'FAILED', finished_at = now() where id = :id", secondId);
        long id;
        assertThat(jdbc.queryForObject("select count(*) from reconciliation_run where channel = 'marketplace' and status = 'RUNNING'",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(1);
        String sku = io.omnihub.support.TestData.sku(jdbc, "WH-NJ1", 12);
        try {
            id = start(List.of(sku));
            // waits, QUEUED, while the other instance's run goes on
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> "QUEUED".equals(run(id).get("run").get("status").asText()));
        } finally {
            jdbc.update("update reconciliation_run set status = 'COMPLETED', finished_at = now() where id = :id", new MapSqlParameterSource("id", other));
        }
        JsonNode run = completed(id);
        assertThat(Instant.parse(run.get("run").get("startedAt").asText())).isAfter(jdbc.queryForObject(
                "select finished_at from reconciliation_run where id = :id", new MapSqlParameterSource("id", other), java.sql.Timestamp.class).toInstant());
    }

    @Test
    void shouldServeTheDemoMarketplacesFiguresBackAndTakeAnAdminEdit() throws Exception {
        String token = "Bearer " + io.omnihub.support.MarketplaceStub.TOKEN;
        String a = "DEMO-RB-" + UUID.randomUUID().toString().substring(0, 8);
        String b = a + "-2";
        for (String sku : List.of(a, b)) {
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/marketplace/api/v1/inventory/" + sku))
                    .header("Authorization", token).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"sku\": \"" + sku + "\", \"available\": 7, \"sequence\": 1}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(204);
        }
        HttpResponse<String> edit = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/marketplace/admin/inventory/" + b))
                .header("Authorization", token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"available\": 99}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(edit.statusCode()).isEqualTo(204);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(baseUrl()
                        + "/demo/channels/marketplace/api/v1/inventory?limit=1&cursor=" + a.substring(0, a.length() - 1)))
                .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        JsonNode first = mapper.readTree(page.body());
        assertThat(first.get("items").get(0).get("sku").asText()).isEqualTo(a);
        assertThat(first.get("next").asText()).isEqualTo(a);
        JsonNode second = mapper.readTree(http.send(HttpRequest.newBuilder(URI.create(baseUrl()
                        + "/demo/channels/marketplace/api/v1/inventory?limit=1&cursor=" + a))
                .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(second.get("items").get(0).get("sku").asText()).isEqualTo(b);
        assertThat(second.get("items").get(0).get("available").asInt()).isEqualTo(99);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/demo/channels/marketplace/api/v1/inventory")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).as("the marketplace's credential is required").isEqualTo(401);
    }

    @Autowired
    Reconciliations reconciliations;
    @Autowired
    Reconciler reconciler;
    @Autowired
    ReconciliationMetrics metrics;

    @Test
    void shouldStartARunOnItsOwnEveryIntervalAndNotWhileOneIsGoing() throws Exception {
        // a second scheduler over the context's beans, with an interval (the test profile's own is off): report-only,
        // so its whole-catalogue runs repair nothing of other tests
        ReconciliationRuns scheduled = new ReconciliationRuns(new ChannelsProperties(Map.of("marketplace",
                new Channel(null, null, new ReadBack("direct:channel-marketplace-inventory", Duration.ofMillis(300), true, null)))),
                reconciliations, reconciler, metrics);
        long before = jdbc.queryForObject("select coalesce(max(id), 0) from reconciliation_run", new MapSqlParameterSource(), Long.class);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                    "select count(*) from reconciliation_run where id > :id and trigger = 'SCHEDULE' and status = 'COMPLETED'",
                    new MapSqlParameterSource("id", before), Integer.class) >= 1);
        } finally {
            scheduled.destroy();
        }
        assertThat(jdbc.queryForList("select report_only from reconciliation_run where id > :id and trigger = 'SCHEDULE'",
                new MapSqlParameterSource("id", before), Boolean.class)).containsOnly(true);
        assertThat(jdbc.queryForObject("""
                select count(*) from reconciliation_run a join reconciliation_run b on a.id < b.id
                where a.id > :id and b.id > :id and a.trigger = 'SCHEDULE' and b.trigger = 'SCHEDULE'
                  and b.started_at < coalesce(a.finished_at, now())""", new MapSqlParameterSource("id", before), Integer.class))
                .as("no scheduled run started while another was going").isZero();
    }

    static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(new String[0]);
    }
}
