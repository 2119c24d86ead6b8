package io.omnihub.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.http.LoggedResponse;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import io.omnihub.sync.SyncTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.omnihub.sync.SyncTestSupport.stockEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deliveries against channels that fail: down for a while then back, rate limiting with Retry-After, dead after the
 * last attempt then replayed from the API, and a backlog left in the table by a killed hub.
 */
class DeliveryIT extends HubIntegrationTest {

    static final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    ObjectMapper mapper;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    /** What the marketplace accepted (answered 2xx) for a sku's figures, in order. */
    List<JsonNode> acceptedByMarketplace(String sku) {
        return ChannelStubs.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/marketplace/inventory/" + sku))
                .filter(e -> e.getResponse().getStatus() / 100 == 2)
                .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()))
                .map(e -> read(e.getRequest().getBodyAsString()))
                .toList();
    }

    JsonNode read(String s) {
        try {
            return mapper.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> statuses(String channel, String key) {
        return jdbc.queryForList("select status from delivery where channel = :c and ordering_key = :k order by id",
                new MapSqlParameterSource("c", channel).addValue("k", key), String.class);
    }

    @Test
    void shouldDeliverEveryFigureEventuallyWithTheTrueOneLastWhenTheChannelComesBack() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 50);
        StubMapping down = ChannelStubs.server().stubFor(put(urlEqualTo("/marketplace/inventory/" + sku)).atPriority(1)
                .willReturn(aResponse().withStatus(503).withBody("maintenance")));
        try {
            for (int i = 0; i < 4; i++) {
                stockEvent(kafkaBrokers, "ADJUSTMENT", "WH-NJ1", sku, -1, "shrink");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ChannelStubs.server()
                    .findAll(putRequestedFor(urlEqualTo("/marketplace/inventory/" + sku))).size() >= 2);
            for (int i = 0; i < 4; i++) {
                stockEvent(kafkaBrokers, "ADJUSTMENT", "WH-NJ1", sku, -1, "shrink");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "select on_hand from stock where sku = :sku and node_id = 'WH-NJ1'", new MapSqlParameterSource("sku", sku),
                    Integer.class) == 42);
        } finally {
            ChannelStubs.server().removeStub(down);
        }
        int truth = 42 * 90 / 100 - 2;

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<JsonNode> accepted = acceptedByMarketplace(sku);
            assertThat(accepted).isNotEmpty();
            assertThat(accepted.get(accepted.size() - 1).get("available").asInt()).as("the last figure is the true one").isEqualTo(truth);
            assertThat(statuses("marketplace", sku)).doesNotContain("PENDING");
        });
        List<Long> sequences = acceptedByMarketplace(sku).stream().map(n -> n.get("sequence").asLong()).toList();
        assertThat(sequences).as("never an older figure after a newer one").isSorted().doesNotHaveDuplicates();
        assertThat(statuses("marketplace", sku)).as("figures replaced while the channel was down are superseded, not sent stale")
                .contains("SUPERSEDED").doesNotContain("DEAD");
        assertThat(statuses("marketplace", sku)).last().isEqualTo("DELIVERED");
        // the web channel, which was up, saw the same final stock
        await().atMost(Duration.ofSeconds(10)).until(() -> Integer.valueOf(42).equals(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(sku))));
    }

    @Test
    void shouldHonourRetryAfterOnA429() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 30);
        String scenario = "rate-limit-" + sku;
        ChannelStubs.server().stubFor(put(urlEqualTo("/marketplace/inventory/" + sku)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("open"));
        ChannelStubs.server().stubFor(put(urlEqualTo("/marketplace/inventory/" + sku)).atPriority(1)
                .inScenario(scenario).whenScenarioStateIs("open").willReturn(aResponse().withStatus(200)));

        stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 10, null);

        await().atMost(Duration.ofSeconds(20)).until(() -> statuses("marketplace", sku).contains("DELIVERED"));
        List<ServeEvent> calls = ChannelStubs.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/marketplace/inventory/" + sku))
                .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate())).toList();
        assertThat(calls).extracting(ServeEvent::getResponse).extracting(LoggedResponse::getStatus).containsExactly(429, 200);
        long waitedMs = calls.get(1).getRequest().getLoggedDate().getTime() - calls.get(0).getRequest().getLoggedDate().getTime();
        assertThat(waitedMs).as("the retry waited for Retry-After: 2").isGreaterThanOrEqualTo(1_900);
        assertThat(jdbc.queryForObject("select attempts from delivery where channel = 'marketplace' and ordering_key = :k "
                + "and status = 'DELIVERED'", new MapSqlParameterSource("k", sku), Integer.class))
                .as("a 429 is not a failed attempt").isEqualTo(1);
    }

    /**
     * Through the sync: a figure for a channel and sku that already owes one must find that row (to replace it or
     * supersede it), whereas a channel's very first figure of a sku has nothing to look for. The marketplace is held
     * by a 429 so that nothing it owes is sent meanwhile.
     */
    @Test
    void aFigureForASkuTheChannelIsOwedSupersedesTheStaleRowInsteadOfQueueingBesideIt() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 30);
        StubMapping limited = ChannelStubs.server().stubFor(put(urlEqualTo("/marketplace/inventory/" + sku)).atPriority(1)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "10")));
        try {
            // the channel's first figure of the sku: tried once, answered 429, owed again after Retry-After
            stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 1, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> !ChannelStubs.server()
                    .findAll(putRequestedFor(urlEqualTo("/marketplace/inventory/" + sku))).isEmpty()
                    && jdbc.queryForObject("select count(*) from delivery where channel = 'marketplace' and ordering_key = :k "
                    + "and status = 'PENDING' and last_error is not null and claimed_until is null",
                    new MapSqlParameterSource("k", sku), Integer.class) == 1);
            long tried = jdbc.queryForObject("select id from delivery where channel = 'marketplace' and ordering_key = :k",
                    new MapSqlParameterSource("k", sku), Long.class);
            // two more changes while the marketplace waits out its Retry-After
            stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 1, null);
            stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 1, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "select on_hand from stock where sku = :k and node_id = 'WH-NJ1'", new MapSqlParameterSource("k", sku),
                    Integer.class) == 33);
            assertThat(ChannelStubs.server().findAll(putRequestedFor(urlEqualTo("/marketplace/inventory/" + sku))))
                    .as("nothing sent during the Retry-After").hasSize(1);
            Map<String, Object> state = jdbc.queryForMap("select available, sequence from ats_state where channel = 'marketplace' "
                    + "and sku = :k", new MapSqlParameterSource("k", sku));
            List<Map<String, Object>> pending = jdbc.queryForList("select id, sequence, payload::text as payload from delivery "
                    + "where channel = 'marketplace' and ordering_key = :k and status = 'PENDING'", new MapSqlParameterSource("k", sku));
            assertThat(pending).as("one figure owed, the newest, not one per change").hasSize(1);
            assertThat(pending.get(0).get("sequence")).isEqualTo(state.get("sequence"));
            assertThat(read((String) pending.get(0).get("payload")).get("available").asInt()).isEqualTo(state.get("available"));
            assertThat(jdbc.queryForObject("select status from delivery where id = :id", new MapSqlParameterSource("id", tried),
                    String.class)).as("the figure the channel refused is superseded, not sent stale").isEqualTo("SUPERSEDED");
        } finally {
            ChannelStubs.server().removeStub(limited);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> statuses("marketplace", sku).contains("DELIVERED")
                && !statuses("marketplace", sku).contains("PENDING"));
    }

    @Test
    void shouldGoDeadAfterTheLastAttemptBeListedAndBeReplayedByAnOperator() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 12);
        StubMapping failing = ChannelStubs.server().stubFor(post(urlEqualTo("/web/callbacks")).atPriority(1)
                .withRequestBody(matchingJsonPath("$.data.sku", equalTo(sku)))
                .willReturn(aResponse().withStatus(503)));
        long id;
        try {
            stockEvent(kafkaBrokers, "SALE", "WH-NJ1", sku, 2, null);
            await().atMost(Duration.ofSeconds(30)).until(() -> statuses("web", sku).contains("DEAD"));
            id = jdbc.queryForObject("select id from delivery where channel = 'web' and ordering_key = :k and status = 'DEAD'",
                    new MapSqlParameterSource("k", sku), Long.class);
            assertThat(jdbc.queryForObject("select attempts from delivery where id = :id", new MapSqlParameterSource("id", id),
                    Integer.class)).isEqualTo(8);
            assertThat(ChannelStubs.server().findAll(postRequestedFor(urlEqualTo("/web/callbacks"))
                    .withRequestBody(matchingJsonPath("$.data.sku", equalTo(sku))))).hasSize(8);

            HttpResponse<String> listed = call("GET", "/api/deliveries?status=dead&channel=web", "viewer:viewer");
            assertThat(listed.statusCode()).isEqualTo(200);
            JsonNode rows = mapper.readTree(listed.body());
            assertThat(rows.findValues("id").stream().map(JsonNode::asLong).toList()).contains(id);
            JsonNode row = java.util.stream.StreamSupport.stream(rows.spliterator(), false)
                    .filter(r -> r.get("id").asLong() == id).findFirst().orElseThrow();
            assertThat(row.get("status").asText()).isEqualTo("DEAD");
            assertThat(row.get("lastError").asText()).contains("503");
            assertThat(meters.find("omnihub.delivery.dead").tag("channel", "web").counter()).isNotNull()
                    .extracting(io.micrometer.core.instrument.Counter::count).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.DOUBLE)
                    .isGreaterThanOrEqualTo(1.0);
            assertThat(meters.find("omnihub.delivery.outcomes").tag("channel", "web").tag("outcome", "retried").counter())
                    .as("failed attempts are counted").isNotNull();
            assertThat(call("GET", "/api/deliveries?status=nonsense", "viewer:viewer").statusCode()).isEqualTo(400);
            assertThat(call("POST", "/api/deliveries/" + id + "/replay", "viewer:viewer").statusCode())
                    .as("a viewer cannot replay").isEqualTo(403);
        } finally {
            ChannelStubs.server().removeStub(failing);
        }

        HttpResponse<String> replayed = call("POST", "/api/deliveries/" + id + "/replay", "operator:operator");
        assertThat(replayed.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).until(() -> statuses("web", sku).equals(List.of("DELIVERED")));
        assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(sku))).isEqualTo(10);
        assertThat(call("POST", "/api/deliveries/" + id + "/replay", "operator:operator").statusCode())
                .as("only a dead delivery is replayed").isEqualTo(409);
        assertThat(call("POST", "/api/deliveries/999999999/replay", "operator:operator").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldDeliverTheBacklogAKilledHubLeftInTheTable() {
        String sku = "BACKLOG-" + UUID.randomUUID();
        insertBacklog("web", sku, 7, 1, null);
        // claimed by a hub that was killed mid-send: its lease ran out a minute ago
        insertBacklog("marketplace", sku, 5, 3, "now() - interval '1 minute'");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(statuses("web", sku)).containsExactly("DELIVERED");
            assertThat(statuses("marketplace", sku)).containsExactly("DELIVERED");
        });
        assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(sku))).isEqualTo(7);
        assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.marketplaceFigures(sku))).isEqualTo(5);
    }

    @Test
    void shouldKeepToTheChannelsConcurrencyLimit() {
        // the marketplace takes at most 4 deliveries at once (omnihub.channels.marketplace.sink.max-concurrency)
        String prefix = "SLOW-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        StubMapping slow = ChannelStubs.server().stubFor(put(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(
                "/marketplace/inventory/" + prefix + ".*")).atPriority(1).willReturn(aResponse().withStatus(200).withFixedDelay(300)));
        try {
            for (int i = 0; i < 12; i++) {
                insertBacklog("marketplace", prefix + i, i, 1, null);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "select count(*) from delivery where channel = 'marketplace' and ordering_key like :p and status = 'DELIVERED'",
                    new MapSqlParameterSource("p", prefix + "%"), Integer.class) == 12);
        } finally {
            ChannelStubs.server().removeStub(slow);
        }
        List<long[]> spans = ChannelStubs.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/marketplace/inventory/" + prefix))
                .map(e -> new long[] {e.getRequest().getLoggedDate().getTime(),
                        e.getRequest().getLoggedDate().getTime() + Math.max(300, e.getTiming().getTotalTime())})
                .toList();
        assertThat(spans).hasSize(12);
        int maxOverlap = 0;
        for (long[] a : spans) {
            long at = a[0];
            maxOverlap = Math.max(maxOverlap, (int) spans.stream().filter(b -> b[0] <= at && at <= b[1]).count());
        }
        assertThat(maxOverlap).as("never more than 4 calls in flight to the marketplace").isBetween(1, 4);
    }

    @Test
    void shouldMeasureSyncLagWithPercentiles() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 3);
        stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 1, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(4).equals(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(sku))));
        io.micrometer.core.instrument.Timer lag = meters.find("omnihub.sync.lag").tag("channel", "web").timer();
        assertThat(lag).isNotNull();
        assertThat(lag.count()).isGreaterThanOrEqualTo(1);
        assertThat(lag.takeSnapshot().percentileValues()).extracting(v -> v.percentile()).contains(0.5, 0.99);
        assertThat(meters.find("omnihub.delivery.outcomes").tag("channel", "web").tag("outcome", "delivered").counter().count())
                .isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void rowsClaimedAheadOfAFailingCallGoBackUnspentSoEveryAttemptCountedIsACallMade() {
        // 12 figures for the marketplace (4 slots): 4 calls go out and the other rows wait, claimed, for a slot; the
        // calls fail after a while, so the waiting rows go back to the table and are claimed again later
        String prefix = "AHEAD-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        StubMapping failing = ChannelStubs.server().stubFor(put(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching(
                "/marketplace/inventory/" + prefix + ".*")).atPriority(1).willReturn(aResponse().withStatus(503).withFixedDelay(300)));
        MapSqlParameterSource p = new MapSqlParameterSource("p", prefix + "%");
        try {
            for (int i = 0; i < 12; i++) {
                insertBacklog("marketplace", prefix + i, i, 1, null);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "select count(*) from delivery where channel = 'marketplace' and ordering_key like :p and last_error is not null",
                    p, Integer.class) >= 6);
        } finally {
            ChannelStubs.server().removeStub(failing);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from delivery where channel = 'marketplace' and ordering_key like :p and status = 'DELIVERED'",
                p, Integer.class) == 12);
        Map<String, Long> calls = ChannelStubs.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/marketplace/inventory/" + prefix))
                .collect(java.util.stream.Collectors.groupingBy(e -> e.getRequest().getUrl().substring("/marketplace/inventory/".length()),
                        java.util.stream.Collectors.counting()));
        Map<String, Long> attempts = new java.util.TreeMap<>();
        jdbc.query("select ordering_key, attempts from delivery where channel = 'marketplace' and ordering_key like :p", p,
                rs -> {
                    attempts.put(rs.getString(1), rs.getLong(2));
                });
        assertThat(attempts).as("attempts counted per figure = calls the marketplace saw for it").isEqualTo(new java.util.TreeMap<>(calls));
    }

    @Autowired
    Deliveries deliveries;

    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;

    /** A delivery row of {@code channel} as the test sets it up: attempts, and a claim in seconds from now (null: none). */
    long backlogRow(String channel, String sku, long sequence, int attempts, Integer claimedForSeconds) {
        return jdbc.queryForObject("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, sequence, claimed_until, event_at)
                values (:c, 'ATS', :sku, :sku, cast(:payload as jsonb), 'PENDING', :attempts, :seq,
                        now() + make_interval(secs => cast(:claim as int)), timestamptz '2026-01-01T00:00:00Z')
                returning id""", new MapSqlParameterSource("c", channel).addValue("sku", sku).addValue("seq", sequence)
                .addValue("attempts", attempts).addValue("claim", claimedForSeconds)
                .addValue("payload", "{\"sequence\":%d}".formatted(sequence)), Long.class);
    }

    @Test
    void aNewFigureTakesTheUntouchedNewestRowsPlaceOrSupersedesWhatNobodySendsAndLeavesWhatIsInFlight() {
        // a channel no pump sends for: the rows stay as the enqueue leaves them
        String channel = "enqueue-" + java.util.UUID.randomUUID();
        long untouched = backlogRow(channel, "K-UNTOUCHED", 1, 0, null);
        long attempted = backlogRow(channel, "K-ATTEMPTED", 1, 1, -5); // tried once, its claim ran out
        long inFlight = backlogRow(channel, "K-IN-FLIGHT", 1, 1, 60);
        long older = backlogRow(channel, "K-BEHIND", 1, 0, null);
        long newerInFlight = backlogRow(channel, "K-BEHIND", 2, 1, 60);
        java.time.Instant changedAt = java.time.Instant.parse("2026-02-01T00:00:00Z");
        List<Deliveries.NewAts> figures = java.util.stream.Stream.of("K-UNTOUCHED", "K-ATTEMPTED", "K-IN-FLIGHT", "K-BEHIND", "K-NEW")
                .map(sku -> new Deliveries.NewAts(new io.omnihub.canonical.AvailableToSell(channel, sku, 7, changedAt, 9),
                        "{\"sequence\":9}", changedAt))
                .toList();
        tx.executeWithoutResult(s -> deliveries.enqueueAts(figures));

        record Row(long id, String status, long sequence, java.time.Instant eventAt) {
        }
        java.util.function.Function<String, List<Row>> rows = sku -> jdbc.query(
                "select id, status, sequence, event_at from delivery where channel = :c and ordering_key = :k order by id",
                new MapSqlParameterSource("c", channel).addValue("k", sku),
                (rs, i) -> new Row(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getTimestamp(4).toInstant()));
        java.time.Instant oldest = java.time.Instant.parse("2026-01-01T00:00:00Z");
        assertThat(rows.apply("K-UNTOUCHED")).as("the row nobody started on takes the figure, keeping its older date")
                .containsExactly(new Row(untouched, "PENDING", 9, oldest));
        // (id, status, sequence) of each key's rows, oldest first; a new row's id is whatever came next
        java.util.function.Function<String, List<String>> shape = sku -> rows.apply(sku).stream()
                .map(r -> (r.id() > newerInFlight ? "new" : String.valueOf(r.id())) + " " + r.status() + " " + r.sequence()).toList();
        assertThat(shape.apply("K-ATTEMPTED")).as("an attempted row keeps its figure and is superseded")
                .containsExactly(attempted + " SUPERSEDED 1", "new PENDING 9");
        assertThat(shape.apply("K-IN-FLIGHT")).as("a row being sent is left as it is; the figure comes after it")
                .containsExactly(inFlight + " PENDING 1", "new PENDING 9");
        assertThat(shape.apply("K-BEHIND")).as("an untouched row that is not the newest is superseded, the one in flight kept")
                .containsExactly(older + " SUPERSEDED 1", newerInFlight + " PENDING 2", "new PENDING 9");
        assertThat(rows.apply("K-NEW")).extracting(Row::status, Row::sequence, Row::eventAt)
                .as("a key with nothing owed gets a row").containsExactly(org.assertj.core.groups.Tuple.tuple("PENDING", 9L, changedAt));
        jdbc.update("delete from delivery where channel = :c", new MapSqlParameterSource("c", channel));
    }

    void insertBacklog(String channel, String sku, int available, long sequence, String claimedUntil) {
        jdbc.update("insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, sequence, claimed_until) "
                        + "values (:c, 'ATS', :sku, :sku, cast(:payload as jsonb), 'PENDING', :attempts, :seq, "
                        + (claimedUntil == null ? "null" : claimedUntil) + ")",
                new MapSqlParameterSource("c", channel).addValue("sku", sku).addValue("seq", sequence)
                        .addValue("attempts", claimedUntil == null ? 0 : 1)
                        .addValue("payload", "{\"channel\":\"%s\",\"sku\":\"%s\",\"available\":%d,\"sequence\":%d}"
                                .formatted(channel, sku, available, sequence)));
    }

    @Test
    void shouldTellTheSellingChannelOfAShipmentWithCarrierAndTracking() {
        String orderId = "web:ship-" + UUID.randomUUID();
        String channelOrderId = "ship-" + UUID.randomUUID();
        String status = """
                {"orderId": "%s", "channel": "%s", "channelOrderId": "%s", "status": "SHIPPED", "at": "2026-11-25T11:00:00Z",
                 "nodeId": "WH-NJ1", "carrier": "UPS", "trackingNumber": "1Z999"}""";
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, orderId, status.formatted(orderId, "web", channelOrderId));
        // delivered twice on the topic: told once
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, orderId, status.formatted(orderId, "web", channelOrderId));
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, orderId, status.formatted(orderId, "marketplace", channelOrderId));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            var web = ChannelStubs.server().findAll(postRequestedFor(urlEqualTo("/web/callbacks"))
                    .withRequestBody(matchingJsonPath("$.data.orderId", equalTo(orderId))));
            assertThat(web).hasSize(1);
            JsonNode body = read(web.get(0).getBodyAsString());
            assertThat(body.get("type").asText()).isEqualTo("order.status");
            assertThat(body.at("/data/status").asText()).isEqualTo("SHIPPED");
            assertThat(body.at("/data/carrier").asText()).isEqualTo("UPS");
            assertThat(body.at("/data/trackingNumber").asText()).isEqualTo("1Z999");
            assertThat(ChannelStubs.server().findAll(putRequestedFor(urlEqualTo("/marketplace/orders/" + channelOrderId + "/status"))))
                    .hasSize(1);
        });
    }

    @Test
    void shouldEnqueueAPollOfStatusesTogetherAndDeadLetterTheOneThatIsNoStatus() throws Exception {
        String first = "web:poll-" + UUID.randomUUID();
        String second = "web:poll-" + UUID.randomUUID();
        String status = """
                {"orderId": "%s", "channel": "web", "channelOrderId": "%s", "status": "ROUTED", "at": "2026-11-25T11:00:00Z",
                 "nodeId": "WH-NJ1"}""";
        String broken = "{\"orderId\": \"" + first + "\", \"status\": \"NOT-A-STATUS\"}";
        // one producer, one partition per key: likely one poll; either way each record must end where it belongs
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, first, status.formatted(first, first.substring(4)));
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, first, broken);
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, second, status.formatted(second, second.substring(4)));
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.ORDER_STATUS, first, status.formatted(first, first.substring(4)));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (String id : List.of(first, second)) {
                assertThat(ChannelStubs.server().findAll(postRequestedFor(urlEqualTo("/web/callbacks"))
                        .withRequestBody(matchingJsonPath("$.data.orderId", equalTo(id))))).as(id).hasSize(1);
            }
        });
        Long deadLetter = await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForList(
                "select id from dead_letter where route_id = 'order-status-callback-one' and payload like :p",
                new MapSqlParameterSource("p", "%" + first + "%NOT-A-STATUS%"), Long.class), l -> l.size() == 1).get(0);
        assertThat(jdbc.queryForObject("select source from dead_letter where id = :id",
                new MapSqlParameterSource("id", deadLetter), String.class)).isEqualTo("order-status-callbacks");
        assertThat(jdbc.queryForObject("select count(*) from delivery where kind = 'ORDER_STATUS' and dedupe_key like :k",
                new MapSqlParameterSource("k", first + ":%"), Integer.class)).isEqualTo(1);

        // the replay goes through the per-record route: still no status, so it is kept again, not lost in the batch route
        HttpResponse<String> replay = call("POST", "/api/console/dead-letters/" + deadLetter + "/replay", "operator:operator");
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(read(replay.body()).get("outcome").asText()).isEqualTo("FAILED_AGAIN");
    }

    HttpResponse<String> call(String method, String path, String user) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8)));
        b = "POST".equals(method) ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
