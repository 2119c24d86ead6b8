package io.omnihub.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.support.HubProcess;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub runs as its own process under a steady stream of signed orders and stock events (warehouse receipts on the
 * canonical stock-events topic, store sales on the POS topic) and is killed with SIGKILL in the middle. After a
 * restart on the same data directory, every order that got a 202 is stored exactly once, reaches Kafka and is routed
 * exactly once, every stock event Kafka acknowledged is applied to the ledger exactly once, no reservation is lost
 * or doubled (stock agrees with the ledger and the active reservations), and the channel's available-to-sell figures
 * converge to what the ledger says.
 */
class HubCrashIT {

    static HubProcess hub;

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    static String order(String id, int sku) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "1 Main St", "city": "Hoboken", "zip": "07030", "country_code": "US",
                                      "latitude": 40.744, "longitude": -74.032},
                 "line_items": [{"sku": "SKU-%d", "quantity": 1, "price": "10.00"}]}
                """.formatted(id, 1001 + sku % 36);
    }

    static KafkaProducer<String, String> producer(String brokers) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    @Test
    void shouldLoseNoAcceptedOrderOrStockEventWhenKilledMidStream() throws Exception {
        hub = HubProcess.embedded("crash").start();
        Map<String, String> accepted = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sequence = new AtomicInteger();
        ObjectMapper mapper = new ObjectMapper();
        String url = hub.baseUrl() + "/webhooks/web/orders";

        ExecutorService clients = Executors.newFixedThreadPool(5);
        for (int t = 0; t < 4; t++) {
            clients.submit(() -> {
                while (!stop.get() && sequence.get() < 5_000) {
                    int n = sequence.incrementAndGet();
                    String channelOrderId = "crash-" + n;
                    try {
                        HttpResponse<String> r = Signed.storefront(url, "web-demo-secret", order(channelOrderId, n));
                        if (r.statusCode() == 202 || r.statusCode() == 200) {
                            accepted.put(channelOrderId, mapper.readTree(r.body()).get("orderId").asText());
                        }
                    } catch (Exception connectionLost) {
                        // the hub is down: this order was never acknowledged, so the channel would send it again
                    }
                }
                return null;
            });
        }
        // stock events alongside: a receipt at the warehouse, then a sale at a store, each acknowledged by Kafka
        Set<String> stockEvents = ConcurrentHashMap.newKeySet();
        clients.submit(() -> {
            try (KafkaProducer<String, String> producer = producer(hub.kafkaBrokers())) {
                for (int n = 0; !stop.get(); n++) {
                    String sku = "SKU-%d".formatted(1001 + n % 36);
                    ProducerRecord<String, String> record = n % 2 == 0
                            ? new ProducerRecord<>(CanonicalTopics.STOCK_EVENTS, sku, """
                                    {"eventId": "crash-receipt-%d", "type": "RECEIPT", "nodeId": "WH-NJ1", "sku": "%s", "quantity": 2,
                                     "occurredAt": "2026-11-25T10:00:00Z", "source": "crash-test"}""".formatted(n, sku))
                            : new ProducerRecord<>("pos.sales.v1", "ST-MAN", """
                                    {"saleId": "crash-sale-%d", "storeId": "ST-MAN", "register": "1", "soldAt": "2026-11-25T14:03:11Z",
                                     "items": [{"sku": "%s", "qty": 1, "price": 9.99}]}""".formatted(n, sku));
                    try {
                        producer.send(record).get(10, TimeUnit.SECONDS);
                        stockEvents.add(n % 2 == 0 ? "stock-event:crash-receipt-" + n : "stock-event:pos:ST-MAN:crash-sale-" + n + ":1");
                    } catch (Exception brokerGone) {
                        // not acknowledged: the store or WMS would send it again
                    }
                }
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> accepted.size() >= 150 && stockEvents.size() >= 40);
        hub.kill();
        stop.set(true);
        clients.shutdown();
        assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        Set<String> acknowledged = Set.copyOf(accepted.values());
        Set<String> acknowledgedStockEvents = Set.copyOf(stockEvents);

        hub.start();
        assertThat(hub.output()).as("the restart found and stopped the PostgreSQL server the killed hub left running")
                .contains("left running by an earlier hub");

        NamedParameterJdbcTemplate db = new NamedParameterJdbcTemplate(
                new DriverManagerDataSource(hub.jdbcUrl(), "postgres", "postgres"));
        Integer stored = db.queryForObject("select count(*) from orders where id in (:ids)",
                new MapSqlParameterSource("ids", acknowledged), Integer.class);
        assertThat(stored).as("every acknowledged order is stored, once").isEqualTo(acknowledged.size());

        // every acknowledged order reaches Kafka (the outbox relay publishes what the kill interrupted)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<ConsumerRecord<String, String>> records = KafkaProbe.records(hub.kafkaBrokers(), CanonicalTopics.ORDERS,
                    r -> acknowledged.contains(r.key()), Duration.ofSeconds(10));
            Set<String> published = records.stream().map(ConsumerRecord::key).collect(Collectors.toSet());
            assertThat(published).containsAll(acknowledged);
        });

        // a redelivery by the channel after the restart has no second effect
        String again = accepted.keySet().iterator().next();
        HttpResponse<String> redelivered = Signed.storefront(url, "web-demo-secret", order(again, Integer.parseInt(again.substring(6))));
        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(db.queryForObject("select count(*) from orders where channel_order_id = :id",
                new MapSqlParameterSource("id", again), Integer.class)).isEqualTo(1);

        // every acknowledged order is routed (or held as unfulfillable), and decided exactly once
        await().atMost(Duration.ofSeconds(120)).until(() -> db.queryForObject(
                "select count(*) from orders where id in (:ids) and status = 'RECEIVED'",
                new MapSqlParameterSource("ids", acknowledged), Integer.class) == 0);
        // decided once: no order announced ROUTED twice or UNFULFILLABLE twice. An order held UNFULFILLABLE and routed
        // once a receipt arrived is two decisions of its lifecycle, not a repeated one, and only in that order.
        assertThat(db.queryForList("""
                select msg_key from outbox where topic = 'omnihub.order-status.v1' and payload->>'status' in ('ROUTED', 'UNFULFILLABLE')
                group by msg_key, payload->>'status' having count(*) > 1""", new MapSqlParameterSource(), String.class))
                .as("orders decided twice").isEmpty();
        assertThat(db.queryForList("""
                select msg_key from outbox where topic = 'omnihub.order-status.v1' and payload->>'status' in ('ROUTED', 'UNFULFILLABLE')
                group by msg_key
                having max(id) filter (where payload->>'status' = 'UNFULFILLABLE') > min(id) filter (where payload->>'status' = 'ROUTED')""",
                new MapSqlParameterSource(), String.class))
                .as("orders held unfulfillable after they were routed").isEmpty();

        // every stock event Kafka acknowledged is applied to the ledger, once
        await().atMost(Duration.ofSeconds(120)).until(() -> db.queryForObject(
                "select count(distinct reference) from ledger_entry where reference in (:refs)",
                new MapSqlParameterSource("refs", acknowledgedStockEvents), Integer.class) == acknowledgedStockEvents.size());
        assertThat(db.queryForList("""
                select reference from ledger_entry where reference like 'stock-event:%crash-%'
                group by reference having count(*) > 1""", new MapSqlParameterSource(), String.class))
                .as("stock events applied twice").isEmpty();

        LedgerConsistency.assertConsistent(db);

        // every channel converges to the figure the ledger gives (the web channel has no buffers)
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(db.queryForList("""
                select a.sku from ats_state a left join (
                    select s.sku, sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock)))
                                  filter (where n.enabled) as expected
                    from channel_node cn join node n on n.id = cn.node_id join stock s on s.node_id = cn.node_id
                    where cn.channel_id = 'web' group by s.sku) x on x.sku = a.sku
                where a.channel = 'web' and a.available <> coalesce(x.expected, 0)""", new MapSqlParameterSource(), String.class))
                .as("web figures that differ from the ledger").isEmpty());
    }
}
