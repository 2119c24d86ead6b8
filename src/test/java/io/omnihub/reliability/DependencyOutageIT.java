package io.omnihub.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.runtime.OutageServers;
import io.omnihub.support.HubProcess;
import io.omnihub.support.Signed;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka or PostgreSQL unavailable for a while, under a running hub process: the servers run in this JVM (not the
 * shared test context's) and are stopped and started again on the same port and data directory, the hub is never
 * restarted. Kafka down: intake still answers 202, the orders wait durably in PostgreSQL (outbox), and are published
 * and routed once Kafka is back. PostgreSQL down: webhook intake answers 503 with a reason within the connection
 * timeout; Kafka consumers (canonical stock events, POS sales, POS orders) neither lose, skip nor dead-letter what
 * arrives meanwhile, and apply all of it once PostgreSQL is back.
 */
class DependencyOutageIT {

    static OutageServers servers;
    static HubProcess hub;
    static NamedParameterJdbcTemplate db;
    static final ObjectMapper mapper = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        servers = OutageServers.start("outage");
        // a short wait for a database connection keeps the outage phases short (the default is 5 s)
        hub = HubProcess.external("outage", servers.jdbcUrl(), servers.kafkaBrokers(),
                "--spring.datasource.hikari.connection-timeout=2000").start();
        db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(servers.jdbcUrl(), "postgres", "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    static String order(String id, String sku) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "1 Main St", "city": "Hoboken", "zip": "07030", "country_code": "US",
                                      "latitude": 40.744, "longitude": -74.032},
                 "line_items": [{"sku": "%s", "quantity": 1, "price": "10.00"}]}
                """.formatted(id, sku);
    }

    static HttpResponse<String> post(String channelOrderId, String sku) {
        return Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", order(channelOrderId, sku));
    }

    static int count(String sql, Map<String, ?> params) {
        return db.queryForObject(sql, new MapSqlParameterSource(params), Integer.class);
    }

    static int onHand(String node, String sku) {
        return count("select on_hand from stock where node_id = :node and sku = :sku", Map.of("node", node, "sku", sku));
    }

    @Test
    void ordersAcceptedWhileKafkaIsDownWaitInTheOutboxAndAreRoutedWhenItIsBack() throws Exception {
        servers.stopKafka();
        try {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> answer = post("kafka-down-" + i, "SKU-1004");
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            }
            assertThat(count("select count(*) from orders where channel_order_id like 'kafka-down-%'", Map.of())).isEqualTo(5);
            assertThat(count("""
                    select count(*) from outbox where topic = 'omnihub.orders.v1' and processed_at is null
                    and msg_key in (select id from orders where channel_order_id like 'kafka-down-%')""", Map.of()))
                    .as("the orders wait in the outbox while Kafka is away").isEqualTo(5);
            assertThat(count("select count(*) from orders where channel_order_id like 'kafka-down-%' and status <> 'RECEIVED'",
                    Map.of())).as("nothing is routed without Kafka").isZero();
        } finally {
            servers.startKafka();
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> count(
                "select count(*) from orders where channel_order_id like 'kafka-down-%' and status in ('ROUTED', 'UNFULFILLABLE')",
                Map.of()) == 5);
        assertThat(count("""
                select count(*) from outbox where topic = 'omnihub.orders.v1' and processed_at is null
                and msg_key in (select id from orders where channel_order_id like 'kafka-down-%')""", Map.of())).isZero();
        LedgerConsistency.assertConsistent(db);
    }

    @Test
    void whilePostgresIsDownIntakeAnswers503AndKafkaConsumersLoseNothing() throws Exception {
        int receivedBefore = onHand("WH-NJ1", "SKU-1011");
        int licBefore = onHand("ST-LIC", "SKU-1013");
        int deadLettersBefore = count("select count(*) from dead_letter", Map.of());
        List<String> eventIds = new ArrayList<>();
        int logFrom = hub.output().length();
        servers.stopPostgres();
        try (KafkaProducer<String, String> producer = producer()) {
            long t0 = System.nanoTime();
            HttpResponse<String> refused = post("pg-down-1", "SKU-1011");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            JsonNode problem = mapper.readTree(refused.body());
            assertThat(problem.get("error").asText()).isEqualTo("UNAVAILABLE");
            assertThat(problem.get("reason").asText()).isNotBlank();
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(ms).as("answered within the database connection timeout, not left hanging").isLessThan(15_000);

            // meanwhile on Kafka: canonical stock events, a POS sale and a POS order
            for (int i = 0; i < 10; i++) {
                String eventId = "outage-receipt-" + i;
                eventIds.add(eventId);
                producer.send(new ProducerRecord<>(CanonicalTopics.STOCK_EVENTS, "SKU-1011", """
                        {"eventId": "%s", "type": "RECEIPT", "nodeId": "WH-NJ1", "sku": "SKU-1011", "quantity": 1,
                         "occurredAt": "2026-11-25T10:00:00Z", "source": "test"}""".formatted(eventId))).get(20, TimeUnit.SECONDS);
            }
            producer.send(new ProducerRecord<>("pos.sales.v1", "ST-LIC", """
                    {"saleId": "S-OUTAGE-1", "storeId": "ST-LIC", "register": "1", "soldAt": "2026-11-25T14:03:11Z",
                     "items": [{"sku": "SKU-1013", "qty": 1, "price": 19.99}]}""")).get(20, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>("pos.orders.v1", "ST-MAN", """
                    {"orderNo": "OUTAGE-1", "storeId": "ST-MAN", "createdAt": "2026-11-25T15:20:00Z", "deliveryType": "standard",
                     "currency": "USD", "customer": {"loyaltyId": "L-555", "email": "grace@example.com", "name": "Grace Hopper"},
                     "deliverTo": {"name": "Grace Hopper", "street": "1 Main St", "city": "Brooklyn", "state": "NY", "zip": "11201",
                                   "country": "US"},
                     "items": [{"sku": "SKU-1003", "qty": 1, "price": 49.5}]}""")).get(20, TimeUnit.SECONDS);

            // the outage outlasts the consumers' bounded redelivery: each has given up on its record at least once and
            // polls it again (Kafka consumers), or tries its batch again (canonical stock events)
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                String log = hub.output().substring(logFrom);
                return log.contains("topic: pos.sales.v1") && log.contains("topic: pos.orders.v1")
                        && log.contains("stock events wait, attempt 3");
            });
        } finally {
            servers.startPostgres();
        }

        // back without a restart of the hub: everything that arrived meanwhile is applied, once, and nothing is dead
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(count("select count(*) from ledger_entry where reference in (:refs)",
                    Map.of("refs", eventIds.stream().map(e -> "stock-event:" + e).toList()))).isEqualTo(10);
            assertThat(onHand("ST-LIC", "SKU-1013")).isEqualTo(licBefore - 1);
            assertThat(count("select count(*) from orders where channel = 'pos' and channel_order_id like '%OUTAGE-1%'", Map.of()))
                    .isEqualTo(1);
        });
        assertThat(onHand("WH-NJ1", "SKU-1011")).isEqualTo(receivedBefore + 10);
        assertThat(count("select count(*) from dead_letter", Map.of())).as("a database outage is no reason for a dead letter")
                .isEqualTo(deadLettersBefore);

        HttpResponse<String> accepted = post("pg-back-1", "SKU-1011");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> count(
                "select count(*) from orders where channel_order_id = 'pg-back-1' and status in ('ROUTED', 'UNFULFILLABLE')",
                Map.of()) == 1);
        LedgerConsistency.assertConsistent(db);
    }

    static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers.kafkaBrokers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }
}
