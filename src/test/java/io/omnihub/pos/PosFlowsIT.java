package io.omnihub.pos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderIds;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The POS flows end to end: a plain Kafka producer plays the stores' POS on pos.sales.v1 and pos.orders.v1; the
 * hub publishes canonical StockEvents and accepts orders; bad records become dead letters and the next record
 * still flows.
 */
class PosFlowsIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;
    @Autowired
    CamelContext camel;

    KafkaProducer<String, byte[]> pos;

    @BeforeEach
    void connect() {
        pos = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    @AfterEach
    void close() {
        pos.close();
    }

    void send(String topic, String key, String value) {
        send(topic, key, value.getBytes(StandardCharsets.UTF_8));
    }

    void send(String topic, String key, byte[] value) {
        try {
            pos.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sale(String saleId, String store, String sku1, int q1, String sku2, int q2) {
        return """
                {"saleId": "%s", "storeId": "%s", "soldAt": "2026-11-25T14:03:11Z",
                 "items": [{"sku": "%s", "qty": %d}, {"sku": "%s", "qty": %d}]}
                """.formatted(saleId, store, sku1, q1, sku2, q2);
    }

    List<JsonNode> stockEvents(String sku) {
        return KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.STOCK_EVENTS, sku, Duration.ofSeconds(20)).stream()
                .map(r -> {
                    try {
                        return mapper.readTree(r.value());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }

    int deadLetters(String source, String text) {
        return jdbc.queryForObject("select count(*) from dead_letter where source = :s and (error like :t or payload like :t)",
                new MapSqlParameterSource("s", source).addValue("t", "%" + text + "%"), Integer.class);
    }

    @Nested
    class Sales {

        @Test
        void shouldKeepASaleAtAnUnknownStoreAsItCameAndApplyItWhenReplayedOnceTheStoreExists() throws Exception {
            String store = "ST-RPL-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
            String saleId = "S-RPL-" + UUID.randomUUID();
            String sku = TestData.sku(jdbc);
            String sale = sale(saleId, store, sku, 1, sku, 2);
            send("pos.sales.v1", store, sale);

            MapSqlParameterSource p = new MapSqlParameterSource("t", "%" + saleId + "%");
            Map<String, Object> dead = await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForList(
                    "select id, payload, error from dead_letter where source = 'pos-sales' and payload like :t", p), l -> l.size() == 1).get(0);
            assertThat((String) dead.get("error")).contains("unknown node " + store);
            assertThat(dead.get("payload")).as("the sale as the POS sent it, not the stock events mapped from it").isEqualTo(sale);

            // the store is added (disabled: no order is routed to it), its stock counted; the replay runs the whole
            // flow, mapping included, on the sale
            HttpResponse<String> created = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/nodes/" + store))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("operator:operator".getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"name\": \"replay store\", \"type\": \"STORE\", \"latitude\": 40.75, \"longitude\": -73.95, \"enabled\": false}"))
                    .build());
            assertThat(created.statusCode()).as(created.body()).isBetween(200, 201);
            jdbc.update("insert into stock (node_id, sku, on_hand) values (:node, :sku, 10)",
                    new MapSqlParameterSource("node", store).addValue("sku", sku));
            HttpResponse<String> replayed = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/api/console/dead-letters/" + dead.get("id") + "/replay"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("operator:operator".getBytes(StandardCharsets.UTF_8)))
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
            assertThat(mapper.readTree(replayed.body()).get("outcome").asText()).as(replayed.body()).isEqualTo("REPLAYED");

            MapSqlParameterSource stock = new MapSqlParameterSource("node", store).addValue("sku", sku);
            await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                    "select on_hand from stock where node_id = :node and sku = :sku", stock, Integer.class) == 7);
        }

        @Test
        void shouldPublishOneSaleEventPerSoldLine() {
            String sku1 = TestData.sku(jdbc, "ST-LIC", 5);
            String sku2 = TestData.sku(jdbc, "ST-LIC", 5);
            String saleId = "S-" + UUID.randomUUID();

            send("pos.sales.v1", "ST-LIC", sale(saleId, "ST-LIC", sku1, 2, sku2, 1));

            List<JsonNode> first = stockEvents(sku1);
            assertThat(first).hasSize(1);
            assertThat(first.get(0).get("type").asText()).isEqualTo("SALE");
            assertThat(first.get(0).get("nodeId").asText()).isEqualTo("ST-LIC");
            assertThat(first.get(0).get("quantity").asInt()).isEqualTo(2);
            assertThat(first.get(0).get("eventId").asText()).isEqualTo("pos:ST-LIC:" + saleId + ":1");
            assertThat(stockEvents(sku2).get(0).get("quantity").asInt()).isEqualTo(1);
        }

        @Test
        void shouldNotPublishASaleSentTwiceTwice() {
            String sku1 = TestData.sku(jdbc, "ST-LIC", 5);
            String sku2 = TestData.sku(jdbc, "ST-LIC", 5);
            String saleId = "S-" + UUID.randomUUID();
            String sale = sale(saleId, "ST-LIC", sku1, 1, sku2, 1);

            send("pos.sales.v1", "ST-LIC", sale);
            send("pos.sales.v1", "ST-LIC", sale);
            String marker = TestData.sku(jdbc, "ST-LIC", 5);
            send("pos.sales.v1", "ST-LIC", sale("S-" + UUID.randomUUID(), "ST-LIC", marker, 1, marker + "-X", 1));

            // the record after the duplicate has been handled (a dead letter: unknown sku), so the duplicate was too
            await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters("pos-sales", marker + "-X") == 1);
            assertThat(stockEvents(sku1)).hasSize(1);
            assertThat(KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.STOCK_EVENTS, marker, Duration.ofSeconds(2)))
                    .as("a sale with an unknown sku publishes none of its lines").isEmpty();
        }

        @Test
        void shouldDeadLetterBadRecordsAndGoOn() {
            String sku = TestData.sku(jdbc, "ST-LIC", 5);
            String tag = UUID.randomUUID().toString();

            send("pos.sales.v1", "ST-LIC", "{\"saleId\": \"" + tag + "\", \"items\": [");
            send("pos.sales.v1", "ST-LIC", sale("S-" + tag, "ST-LIC", sku, -1, sku, 1));
            send("pos.sales.v1", "ST-LIC", ("{\"saleId\": \"latin1-" + tag + "\", \"storeId\": \"Caf\u00e9\"}").getBytes(StandardCharsets.ISO_8859_1));
            send("pos.sales.v1", "ST-LIC", sale("S-NODE-" + tag, "NO-SUCH-STORE", sku, 1, sku, 1));
            String good = "S-good-" + tag;
            send("pos.sales.v1", "ST-LIC", sale(good, "ST-LIC", sku, 3, sku, 4));

            await().atMost(Duration.ofSeconds(20)).until(() -> stockEvents(sku).size() >= 2);
            List<JsonNode> events = stockEvents(sku);
            assertThat(events).extracting(e -> e.get("eventId").asText())
                    .containsExactly("pos:ST-LIC:" + good + ":1", "pos:ST-LIC:" + good + ":2");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(deadLetters("pos-sales", tag)).as("malformed, negative, not UTF-8, unknown node").isGreaterThanOrEqualTo(3);
                assertThat(jdbc.queryForObject("select count(*) from dead_letter where source = 'pos-sales' and error like '%not valid UTF-8%'",
                        new MapSqlParameterSource(), Integer.class)).isGreaterThanOrEqualTo(1);
            });
            assertThat(deadLetters("pos-sales", "S-NODE-" + tag)).isEqualTo(1);
            assertThat(jdbc.queryForObject("select error from dead_letter where source = 'pos-sales' and payload like :t",
                    new MapSqlParameterSource("t", "%S-NODE-" + tag + "%"), String.class)).contains("unknown node NO-SUCH-STORE");
        }
    }

    @Nested
    class Orders {

        @Test
        void shouldAcceptAnInStoreOrderForDeliveryAsChannelPos() throws Exception {
            String sku = TestData.sku(jdbc, "ST-MAN", 5);
            String orderNo = "POS-" + UUID.randomUUID().toString().substring(0, 8);
            send("pos.orders.v1", "ST-MAN", """
                    {"orderNo": "%s", "storeId": "ST-MAN", "createdAt": "2026-11-25T15:20:00Z", "currency": "USD",
                     "deliverTo": {"name": "Grace Hopper", "street": "1 Main St", "city": "Brooklyn", "zip": "11201", "country": "US"},
                     "items": [{"sku": "%s", "qty": 2, "price": 10}]}
                    """.formatted(orderNo, sku));

            String orderId = OrderIds.of("pos", "ST-MAN-" + orderNo);
            List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.ORDERS,
                    orderId, Duration.ofSeconds(20));
            assertThat(records).hasSize(1);
            JsonNode order = mapper.readTree(records.get(0).value());
            assertThat(order.get("channel").asText()).isEqualTo("pos");
            assertThat(order.at("/lines/0/quantity").asInt()).isEqualTo(2);
            assertThat(order.at("/shipTo/city").asText()).isEqualTo("Brooklyn");
            assertThat(jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class))
                    .isNotNull();
        }

        @Test
        void shouldDeadLetterAnOrderWithoutLines() {
            String orderNo = "POS-" + UUID.randomUUID().toString().substring(0, 8);
            send("pos.orders.v1", "ST-MAN", """
                    {"orderNo": "%s", "storeId": "ST-MAN", "createdAt": "2026-11-25T15:20:00Z", "currency": "USD", "items": []}
                    """.formatted(orderNo));

            await().atMost(Duration.ofSeconds(20)).until(() -> deadLetters("pos-orders", orderNo) == 1);
            assertThat(jdbc.queryForObject("select count(*) from orders where channel = 'pos' and channel_order_id = :id",
                    new MapSqlParameterSource("id", "ST-MAN-" + orderNo), Integer.class)).isZero();
        }
    }

    @Test
    void kafkaSinkShouldSendTheBodyWithItsKey() throws Exception {
        String topic = "test.kafka-sink." + UUID.randomUUID().toString().substring(0, 8);
        String routeId = "test-kafka-sink-" + topic;
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:" + routeId).routeId(routeId).to("kamelet:kafka-sink?topic=" + topic);
            }
        });
        try {
            ProducerTemplate producer = camel.createProducerTemplate();
            producer.sendBodyAndHeader("direct:" + routeId, "{\"hello\":\"stores\"}", "kafka.KEY", "ST-LIC");

            List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, topic, "ST-LIC", Duration.ofSeconds(20));
            assertThat(records).hasSize(1);
            assertThat(records.get(0).value()).isEqualTo("{\"hello\":\"stores\"}");
        } finally {
            camel.getRouteController().stopRoute(routeId);
            camel.removeRoute(routeId);
        }
    }
}
