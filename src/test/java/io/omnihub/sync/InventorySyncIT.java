package io.omnihub.sync;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.delivery.ChannelStubs;
import io.omnihub.inventory.StockLedger;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.omnihub.sync.SyncTestSupport.available;
import static io.omnihub.sync.SyncTestSupport.lastAvailable;
import static io.omnihub.sync.SyncTestSupport.marketplaceFigures;
import static io.omnihub.sync.SyncTestSupport.stockEvent;
import static io.omnihub.sync.SyncTestSupport.webFigures;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End to end over the real embedded Kafka, PostgreSQL and the channel stubs: stock events and returns produced with a
 * plain Kafka producer change the ledger, and every channel that sells the sku receives its new figure, signed,
 * after its buffers.
 */
class InventorySyncIT extends HubIntegrationTest {

    @Value("${omnihub.channels.web.sink.secret}")
    String webSecret;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    StockLedger ledger;

    // WH-NJ1 (safety 0), ST-MAN (safety 2), ST-LIC (safety 1): web sells all, marketplace WH-NJ1 (90% less 2), pos the stores
    static int web(int wh, int man, int lic) {
        return Math.max(0, wh) + Math.max(0, man - 2) + Math.max(0, lic - 1);
    }

    static int marketplace(int wh) {
        return Math.max(0, wh * 90 / 100 - 2);
    }

    int ledgerEntries(String sku, String kind) {
        return jdbc.queryForObject("select count(*) from ledger_entry where sku = :sku and kind = :kind",
                new MapSqlParameterSource("sku", sku).addValue("kind", kind), Integer.class);
    }

    List<Integer> posFigures(String sku, int atLeast) {
        return KafkaProbe.records(kafkaBrokers, CanonicalTopics.ATS, r -> ("pos:" + sku).equals(r.key()), Duration.ofSeconds(3))
                .stream().map(r -> readTree(r.value()).get("available").asInt()).toList();
    }

    static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldSendAPosSaleToEveryChannelThatSellsTheSkuSignedAndBuffered() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 20, "ST-MAN", 6, "ST-LIC", 4);

        stockEvent(kafkaBrokers, "SALE", "ST-MAN", sku, 1, null);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(lastAvailable(webFigures(sku))).isEqualTo(web(20, 5, 4));
            assertThat(lastAvailable(marketplaceFigures(sku))).isEqualTo(marketplace(20));
        });
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(posFigures(sku, 1)).last().isEqualTo(3 + 3));

        LoggedRequest callback = webFigures(sku).get(0);
        String verdict = WebhookSignatures.verifyStandardWebhooks(webSecret, callback.getHeader("webhook-id"),
                callback.getHeader("webhook-timestamp"), callback.getHeader("webhook-signature"),
                callback.getBodyAsString().getBytes(StandardCharsets.UTF_8), 300, Instant.now());
        assertThat(verdict).as("the web callback's Standard Webhooks signature verifies").isNull();
        assertThat(SyncTestSupport.json(callback).get("type").asText()).isEqualTo("inventory.available");
        assertThat(callback.getHeader("webhook-id")).startsWith("dlv_");
        String wrongKey = WebhookSignatures.verifyStandardWebhooks("whsec_b3RoZXI=", callback.getHeader("webhook-id"),
                callback.getHeader("webhook-timestamp"), callback.getHeader("webhook-signature"),
                callback.getBodyAsString().getBytes(StandardCharsets.UTF_8), 300, Instant.now());
        assertThat(wrongKey).as("another secret does not verify").isNotNull();

        LoggedRequest market = marketplaceFigures(sku).get(0);
        assertThat(market.getHeader("Authorization")).isEqualTo("Bearer marketplace-demo-token");
        assertThat(ledgerEntries(sku, "SALE")).isEqualTo(1);
    }

    @Test
    void shouldRaiseTheFigureForASellableReturnButNotForADamagedOne() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5, "ST-MAN", 4);
        stockEvent(kafkaBrokers, "SALE", "ST-MAN", sku, 1, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(web(5, 3, 0)).equals(lastAvailable(webFigures(sku))));

        String orderId = "web:ret-" + UUID.randomUUID();
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.RETURNS, orderId, """
                {"rmaId": "rma-%s", "orderId": "%s", "channel": "web", "nodeId": "ST-MAN",
                 "lines": [{"sku": "%s", "quantity": 2, "condition": "SELLABLE"}]}""".formatted(UUID.randomUUID(), orderId, sku));
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(web(5, 5, 0)).equals(lastAvailable(webFigures(sku))));

        int callbacksBefore = webFigures(sku).size();
        String damagedRma = "rma-" + UUID.randomUUID();
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.RETURNS, orderId, """
                {"rmaId": "%s", "orderId": "%s", "channel": "web", "nodeId": "ST-MAN",
                 "lines": [{"sku": "%s", "quantity": 3, "condition": "DAMAGED"}]}""".formatted(damagedRma, orderId, sku));
        await().atMost(Duration.ofSeconds(20)).until(() -> ledgerEntries(sku, "DAMAGED") == 1 && pendingChanges(sku) == 0);

        assertThat(ledger(sku, "ST-MAN")).isEqualTo(5);
        assertThat(webFigures(sku)).as("a damaged return changes no figure").hasSize(callbacksBefore);
        // the selling channel hears that the refunds are ready
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(ChannelStubs.server().findAll(
                postRequestedFor(urlEqualTo("/web/callbacks")).withRequestBody(matchingJsonPath("$.data.orderId", equalTo(orderId)))))
                .hasSize(2)
                .allSatisfy(r -> {
                    assertThat(SyncTestSupport.json(r).get("type").asText()).isEqualTo("order.status");
                    assertThat(SyncTestSupport.json(r).at("/data/status").asText()).isEqualTo("REFUND_READY");
                }));
    }

    int pendingChanges(String sku) {
        return jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :sku and processed_at is null",
                new MapSqlParameterSource("sku", sku), Integer.class);
    }

    int ledger(String sku, String node) {
        return jdbc.queryForObject("select on_hand from stock where sku = :sku and node_id = :node",
                new MapSqlParameterSource("sku", sku).addValue("node", node), Integer.class);
    }

    @Test
    void shouldSetTheFigureFromAWmsSnapshotKeepingReservationsInFlight() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10);
        tx.executeWithoutResult(s -> assertThat(ledger.tryReserve("WH-NJ1", sku, 3, 0, "test-order")).isTrue());
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(web(7, 0, 0)).equals(lastAvailable(webFigures(sku))));

        stockEvent(kafkaBrokers, "SNAPSHOT", "WH-NJ1", sku, 25, "cycle count");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(lastAvailable(webFigures(sku))).isEqualTo(25 - 3);
            assertThat(lastAvailable(marketplaceFigures(sku))).isEqualTo(marketplace(25 - 3));
        });
        assertThat(jdbc.queryForObject("select reserved from stock where sku = :sku and node_id = 'WH-NJ1'",
                new MapSqlParameterSource("sku", sku), Integer.class)).as("the reservation in flight is kept").isEqualTo(3);
    }

    @Test
    void shouldApplyReceiptsAndSignedAdjustments() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10);
        stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 5, null);
        stockEvent(kafkaBrokers, "ADJUSTMENT", "WH-NJ1", sku, -4, "damaged in warehouse");
        await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(11).equals(lastAvailable(webFigures(sku))));
        assertThat(jdbc.queryForObject("select reason from ledger_entry where sku = :sku and kind = 'ADJUSTMENT'",
                new MapSqlParameterSource("sku", sku), String.class)).isEqualTo("damaged in warehouse");
        List<Long> sequences = webFigures(sku).stream().map(SyncTestSupport::sequence).toList();
        assertThat(sequences).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void shouldChangeTheLedgerOnceWhenTheSameEventArrivesTwice() {
        String sku = TestData.sku(jdbc, "ST-MAN", 8);
        String eventId = "evt-" + UUID.randomUUID();
        SyncTestSupport.sendStockEvent(kafkaBrokers, eventId, "SALE", "ST-MAN", sku, 2, null);
        SyncTestSupport.sendStockEvent(kafkaBrokers, eventId, "SALE", "ST-MAN", sku, 2, null);
        String marker = "evt-" + UUID.randomUUID();
        org.apache.kafka.clients.producer.RecordMetadata last =
                SyncTestSupport.sendStockEvent(kafkaBrokers, marker, "RECEIPT", "ST-MAN", sku, 1, null);

        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                "select count(*) from idempotency_key where scope = 'stock-event' and key = :k",
                new MapSqlParameterSource("k", marker), Integer.class) == 1);
        assertThat(ledgerEntries(sku, "SALE")).isEqualTo(1);
        assertThat(ledger(sku, "ST-MAN")).isEqualTo(8 - 2 + 1);
        // the consumer group's offset moves past the events once their transactions committed
        org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(last.topic(), last.partition());
        await().atMost(Duration.ofSeconds(20)).until(() -> committedOffset("omnihub-stock-events", partition) > last.offset());
    }

    long committedOffset(String group, org.apache.kafka.common.TopicPartition partition) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", kafkaBrokers))) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
            var committed = offsets.get(partition);
            return committed == null ? -1 : committed.offset();
        }
    }

    @Test
    void shouldDeadLetterAnEventForAnUnknownSkuOrAnInvalidOne() throws Exception {
        String sku = "NO-SUCH-" + UUID.randomUUID();
        stockEvent(kafkaBrokers, "SALE", "ST-MAN", sku, 1, null);
        SyncTestSupport.send(kafkaBrokers, CanonicalTopics.STOCK_EVENTS, "x", "{\"eventId\": \"bad-" + sku + "\", \"type\": \"SALE\"}");

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(jdbc.queryForList("select error from dead_letter where source = 'stock-events' and payload like :p",
                    new MapSqlParameterSource("p", "%" + sku + "%"), String.class))
                    .anySatisfy(e -> assertThat(e).contains("unknown sku " + sku))
                    .anySatisfy(e -> assertThat(e).contains("stock-event schema"));
        });
        // each names the per-record route, and an operator's replay goes through it: the sku is still unknown, so the
        // event is kept again (through the batch route it would have been taken for an empty poll and lost)
        long unknownSku = jdbc.queryForObject("select id from dead_letter where source = 'stock-events' and payload like :p "
                + "and error like '%unknown sku%' and route_id = 'stock-event-one'", new MapSqlParameterSource("p", "%" + sku + "%"), Long.class);
        var replay = api("POST", "/api/console/dead-letters/" + unknownSku + "/replay", "operator", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(replay.body()).contains("FAILED_AGAIN");
    }
}
