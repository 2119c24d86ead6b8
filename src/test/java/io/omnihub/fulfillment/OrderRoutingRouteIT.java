package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.inventory.StockLedger;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.StoreStub;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The order-routing route end to end: a signed storefront webhook becomes a canonical order on Kafka, the
 * route consumes it, reserves stock in PostgreSQL, publishes OrderStatus, and the fulfillment request reaches the
 * chosen node through its sink (SFTP file, store HTTP endpoint, store Kafka topic, partner SFTP folder).
 */
class OrderRoutingRouteIT extends HubIntegrationTest {

    static final String SECRET = "web-demo-secret";

    @Autowired
    ObjectMapper mapper;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    StockLedger ledger;
    @Autowired
    MeterRegistry meters;
    @Value("${omnihub.sftp.root}")
    String sftpRoot;

    static String webOrder(String id, String sku, int quantity, String pickupStore) {
        String pickup = pickupStore == null ? "\"shipping_lines\": [{\"code\": \"standard\"}],"
                : "\"shipping_lines\": [{\"code\": \"pickup\"}], \"note_attributes\": [{\"name\": \"pickup_store\", \"value\": \"" + pickupStore + "\"}],";
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US",
                                      "latitude": 40.7484, "longitude": -73.9857},
                 %s
                 "line_items": [{"sku": "%s", "quantity": %d, "price": "10.00"}]}
                """.formatted(id, pickup, sku, quantity);
    }

    String post(String sku, int quantity, String pickupStore) throws Exception {
        var response = Signed.storefront(baseUrl() + "/webhooks/web/orders", SECRET,
                webOrder("web-" + UUID.randomUUID(), sku, quantity, pickupStore));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return mapper.readTree(response.body()).get("orderId").asText();
    }

    String status(String orderId) {
        return jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class);
    }

    int reserved(String node, String sku) {
        return jdbc.queryForObject("select reserved from stock where node_id = :n and sku = :s",
                new MapSqlParameterSource("n", node).addValue("s", sku), Integer.class);
    }

    int count(String sql, String orderId) {
        return jdbc.queryForObject(sql, new MapSqlParameterSource("id", orderId), Integer.class);
    }

    List<JsonNode> statuses(String orderId, int atLeast) {
        await().atMost(Duration.ofSeconds(20)).until(() -> KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS,
                orderId, Duration.ofSeconds(2)).size() >= atLeast);
        return KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDER_STATUS, orderId, Duration.ofSeconds(5)).stream()
                .map(r -> {
                    try {
                        return mapper.readTree(r.value());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    @Test
    void shouldRouteAWebOrderReserveItPublishRoutedAndWriteTheWmsFile() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5, "ST-MAN", 9);
        String orderId = post(sku, 2, null);

        await().atMost(Duration.ofSeconds(20)).until(() -> "ROUTED".equals(status(orderId)));
        assertThat(reserved("WH-NJ1", sku)).isEqualTo(2);
        assertThat(reserved("ST-MAN", sku)).isZero();
        assertThat(jdbc.queryForList("select node_id || ':' || sku || ':' || quantity || ':' || status from reservation where order_id = :id",
                new MapSqlParameterSource("id", orderId), String.class)).containsExactly("WH-NJ1:" + sku + ":2:ACTIVE");

        JsonNode routed = statuses(orderId, 1).get(0);
        assertThat(routed.get("status").asText()).isEqualTo("ROUTED");
        assertThat(routed.get("nodeId").asText()).isEqualTo("WH-NJ1");
        assertThat(routed.get("channel").asText()).isEqualTo("web");

        // the API explains the decision and shows the timeline
        JsonNode api = mapper.readTree(Signed.post(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/api/orders/" + orderId))
                .header("Authorization", basic("viewer", "viewer")).GET().build()).body());
        assertThat(api.get("status").asText()).isEqualTo("ROUTED");
        assertThat(api.at("/decision/summary").asText()).contains("Routed to WH-NJ1");
        assertThat(api.at("/decision/candidates/0/nodeId").asText()).isEqualTo("WH-NJ1");
        assertThat(api.at("/decision/candidates/0/verdict").asText()).isEqualTo("CHOSEN");
        assertThat(api.get("reservations")).hasSize(1);

        // the WMS gets a file in wms/outbound, and the timeline says so
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "select count(*) from order_event where order_id = :id and kind = 'FULFILLMENT_REQUEST_SENT'", orderId) == 1);
        try (var files = Files.list(Path.of(sftpRoot, "wms", "outbound"))) {
            Path file = files.filter(p -> p.getFileName().toString().startsWith(orderId + "-WH-NJ1")).findFirst().orElseThrow();
            JsonNode request = mapper.readTree(Files.readString(file));
            assertThat(request.get("orderId").asText()).isEqualTo(orderId);
            assertThat(request.at("/lines/0/sku").asText()).isEqualTo(sku);
            assertThat(request.at("/lines/0/quantity").asInt()).isEqualTo(2);
        }
        List<String> timeline = jdbc.queryForList("select kind from order_event where order_id = :id order by id",
                new MapSqlParameterSource("id", orderId), String.class);
        assertThat(timeline).containsSubsequence("RECEIVED", "ROUTED", "FULFILLMENT_REQUESTED", "FULFILLMENT_REQUEST_SENT");
    }

    @Test
    void aRedeliveredOrderRecordHasNoSecondEffect() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String orderId = post(sku, 1, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> "ROUTED".equals(status(orderId)));
        String payload = jdbc.queryForObject("select payload::text from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class);

        RecordMetadata sent;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            sent = producer.send(new ProducerRecord<>(CanonicalTopics.ORDERS, orderId, payload)).get();
        }
        // the route commits its offset only after it processed the record: wait until it passed the duplicate
        TopicPartition tp = new TopicPartition(CanonicalTopics.ORDERS, sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("omnihub-order-routing")
                        .partitionsToOffsetAndMetadata().get().get(tp);
                return committed != null && committed.offset() > sent.offset();
            });
        }
        assertThat(reserved("WH-NJ1", sku)).isEqualTo(1);
        assertThat(count("select count(*) from reservation where order_id = :id", orderId)).isEqualTo(1);
        assertThat(count("select count(*) from order_event where order_id = :id and kind = 'ROUTED'", orderId)).isEqualTo(1);
        assertThat(count("select count(*) from outbox where topic = 'omnihub.order-status.v1' and msg_key = :id", orderId)).isEqualTo(1);
        assertThat(count("select decisions from order_routing where order_id = :id", orderId)).isEqualTo(1);
    }

    @Test
    void anUnfulfillableOrderIsHeldAlertedAndRoutedWhenStockArrives() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 0, "ST-MAN", 2); // Manhattan keeps 2 for walk-ins
        double before = meters.counter("omnihub.routing.orders.unfulfillable").count();
        String orderId = post(sku, 1, null);

        await().atMost(Duration.ofSeconds(20)).until(() -> "UNFULFILLABLE".equals(status(orderId)));
        assertThat(meters.counter("omnihub.routing.orders.unfulfillable").count()).isGreaterThan(before);
        JsonNode decision = mapper.readTree(jdbc.queryForObject("select decision::text from orders where id = :id",
                new MapSqlParameterSource("id", orderId), String.class));
        assertThat(decision.get("outcome").asText()).isEqualTo("UNFULFILLABLE");
        assertThat(decision.toString()).contains("safety stock 2");
        assertThat(statuses(orderId, 1).get(0).get("status").asText()).isEqualTo("UNFULFILLABLE");

        tx.executeWithoutResult(s -> ledger.adjustOnHand("WH-NJ1", sku, 4, StockLedger.Kind.RECEIPT, "PO-1", "receipt"));

        await().atMost(Duration.ofSeconds(20)).until(() -> "ROUTED".equals(status(orderId)));
        assertThat(reserved("WH-NJ1", sku)).isEqualTo(1);
        assertThat(statuses(orderId, 2)).extracting(n -> n.get("status").asText()).containsExactly("UNFULFILLABLE", "ROUTED");
    }

    @Test
    void aPickupAtAnHttpStoreSendsTheRequestToTheStoresEndpoint() throws Exception {
        String sku = TestData.sku(jdbc, "ST-MAN", 5);
        String orderId = post(sku, 1, "ST-MAN");
        await().atMost(Duration.ofSeconds(20)).until(() -> "ROUTED".equals(status(orderId)));
        assertThat(reserved("ST-MAN", sku)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(StoreStub.server().findAll(
                postRequestedFor(urlEqualTo("/stores/ST-MAN/fulfillment-requests")))
                .stream().anyMatch(r -> r.getBodyAsString().contains(orderId))).isTrue());
        await().atMost(Duration.ofSeconds(10)).until(() -> count(
                "select count(*) from order_event where order_id = :id and kind = 'FULFILLMENT_REQUEST_SENT'", orderId) == 1);
    }

    @Test
    void aPickupAtAKafkaStoreAndADropShipOrderReachTheirSinks() throws Exception {
        String licSku = TestData.sku(jdbc, "ST-LIC", 4);
        String licOrder = post(licSku, 1, "ST-LIC");
        String acmeSku = TestData.sku(jdbc, "DS-ACME", 10);
        String acmeOrder = post(acmeSku, 3, null);

        List<ConsumerRecord<String, String>> store = KafkaProbe.records(kafkaBrokers, "omnihub.store-fulfillment.v1",
                r -> "ST-LIC".equals(r.key()) && r.value().contains(licOrder), Duration.ofSeconds(30));
        assertThat(store).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Path dir = Path.of(sftpRoot, "partners", "acme-dropship", "outbound");
            if (!Files.isDirectory(dir)) {
                return false;
            }
            try (var files = Files.list(dir)) {
                return files.anyMatch(p -> p.getFileName().toString().startsWith(acmeOrder + "-DS-ACME"));
            }
        });
        assertThat(reserved("DS-ACME", acmeSku)).isEqualTo(3);
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
    }
}
