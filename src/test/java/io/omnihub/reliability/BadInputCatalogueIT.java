package io.omnihub.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The catalogue of bad input, across the hub's entry points: webhooks, Kafka topics and the admin API (SFTP files
 * have their own catalogue in SftpFlowsIT.BadFiles, marketplace responses in MarketplaceOrdersRouteIT). Each bad
 * input gets a clear error naming the problem — an HTTP status and reason where there is a caller, a dead letter
 * (in the table and on omnihub.dead-letters.v1) where there is none — and leaves the ledger and every other message untouched: each case has a sku of its own
 * whose stock and ledger must not move, and a good message sent after the bad one must still go through.
 */
class BadInputCatalogueIT extends HubIntegrationTest {

    static final String WEB_SECRET = "web-demo-secret";
    static final String MARKETPLACE_SECRET = "marketplace-demo-secret";
    static KafkaProducer<String, byte[]> producer;

    @AfterAll
    static void closeProducer() {
        if (producer != null) {
            producer.close();
        }
    }

    /** A webhook case: builds the body from the case's own sku and channel order id, expects a status and a reason. */
    record WebhookCase(String name, String path, int status, String reason, Function<Ids, HttpRequest.Builder> request) {
    }

    record Ids(String sku, String orderId) {
    }

    static String storefrontOrder(String id, String sku, String quantity) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US",
                                      "latitude": 40.7484, "longitude": -73.9857},
                 "line_items": [{"sku": "%s", "quantity": %s, "price": "10.00"}]}
                """.formatted(id, sku, quantity);
    }

    static HttpRequest.Builder storefront(String body) {
        return storefront(body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    static HttpRequest.Builder storefront(byte[] body, String contentType) {
        return HttpRequest.newBuilder()
                .header("Content-Type", contentType)
                .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac(WEB_SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    static HttpRequest.Builder standardWebhook(String body, long timestamp, String secret) {
        String id = "msg_" + UUID.randomUUID();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return HttpRequest.newBuilder()
                .header("Content-Type", "application/json")
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSignatures.standardWebhooks(secret, id, timestamp, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    static String replace(String body, String from, String to) {
        assertThat(body).contains(from);
        return body.replace(from, to);
    }

    static List<WebhookCase> webhookCases() {
        String orders = "/webhooks/web/orders";
        List<WebhookCase> c = new ArrayList<>();
        c.add(new WebhookCase("malformed JSON", orders, 400, "malformed JSON",
                ids -> storefront("{\"id\": \"" + ids.orderId() + "\", \"line_items\": [")));
        c.add(new WebhookCase("a JSON array instead of an order", orders, 400, "body is a JSON array: a JSON object was expected",
                ids -> storefront("[{\"id\": \"" + ids.orderId() + "\"}]")));
        c.add(new WebhookCase("JSON null", orders, 400, "body is JSON null: a JSON object was expected", ids -> storefront("null")));
        c.add(new WebhookCase("an empty body", orders, 400, "body is empty: a JSON object was expected", ids -> storefront("")));
        c.add(new WebhookCase("quantity of the wrong type", orders, 400, "/lines/0/quantity",
                ids -> storefront(storefrontOrder(ids.orderId(), ids.sku(), "\"two\""))));
        c.add(new WebhookCase("zero quantity", orders, 400, "/lines/0/quantity",
                ids -> storefront(storefrontOrder(ids.orderId(), ids.sku(), "0"))));
        c.add(new WebhookCase("negative quantity", orders, 400, "/lines/0/quantity",
                ids -> storefront(storefrontOrder(ids.orderId(), ids.sku(), "-3"))));
        c.add(new WebhookCase("absurd quantity", orders, 400, "/lines/0/quantity",
                ids -> storefront(storefrontOrder(ids.orderId(), ids.sku(), "5000000"))));
        c.add(new WebhookCase("unknown sku", orders, 422, "unknown sku NO-SUCH-SKU",
                ids -> storefront(storefrontOrder(ids.orderId(), "NO-SUCH-SKU", "1"))));
        c.add(new WebhookCase("no lines", orders, 400, "lines",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"),
                        "[{\"sku\": \"" + ids.sku() + "\", \"quantity\": 1, \"price\": \"10.00\"}]", "[]"))));
        c.add(new WebhookCase("missing order id", orders, 400, "channelOrderId",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"id\": \"" + ids.orderId() + "\",", ""))));
        c.add(new WebhookCase("missing currency", orders, 400, "currency",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"currency\": \"USD\",", ""))));
        c.add(new WebhookCase("a currency that is not ISO 4217", orders, 400, "currency",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"USD\"", "\"dollars\""))));
        c.add(new WebhookCase("a date that is not a date", orders, 400, "placedAt",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "2026-11-25T10:15:00Z", "yesterday"))));
        c.add(new WebhookCase("a latitude off the globe", orders, 400, "latitude",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "40.7484", "123.4"))));
        c.add(new WebhookCase("a three-letter country code", orders, 400, "country",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"US\"", "\"USA\""))));
        c.add(new WebhookCase("pickup at a store that does not exist", orders, 422, "unknown store",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"currency\": \"USD\",",
                        "\"currency\": \"USD\", \"note_attributes\": [{\"name\": \"pickup_store\", \"value\": \"ST-NOWHERE\"}],"))));
        c.add(new WebhookCase("not UTF-8", orders, 400, "not valid UTF-8",
                ids -> storefront(storefrontOrder(ids.orderId(), ids.sku(), "1").replace("New York", "S\u00e3o Paulo")
                        .getBytes(StandardCharsets.ISO_8859_1), "application/json")));
        c.add(new WebhookCase("a body over the size limit", orders, 413, "over the limit",
                ids -> storefront(replace(storefrontOrder(ids.orderId(), ids.sku(), "1"), "\"USD\",",
                        "\"USD\", \"note\": \"" + "x".repeat(1_100_000) + "\","))));
        c.add(new WebhookCase("XML with an external entity (XML is not accepted)", orders, 415, "Content-Type",
                ids -> storefront(("<?xml version=\"1.0\"?><!DOCTYPE o [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><o>&x;</o>")
                        .getBytes(StandardCharsets.UTF_8), "application/xml")));
        c.add(new WebhookCase("no signature", orders, 401, "missing signature",
                ids -> HttpRequest.newBuilder().header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(storefrontOrder(ids.orderId(), ids.sku(), "1")))));
        c.add(new WebhookCase("a signature made with another secret", orders, 401, "does not match",
                ids -> HttpRequest.newBuilder().header("Content-Type", "application/json")
                        .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac("guess",
                                storefrontOrder(ids.orderId(), ids.sku(), "1").getBytes(StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.ofString(storefrontOrder(ids.orderId(), ids.sku(), "1")))));
        c.add(new WebhookCase("a body changed after signing", orders, 401, "does not match",
                ids -> HttpRequest.newBuilder().header("Content-Type", "application/json")
                        .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac(WEB_SECRET,
                                storefrontOrder(ids.orderId(), ids.sku(), "1").getBytes(StandardCharsets.UTF_8)))
                        .POST(HttpRequest.BodyPublishers.ofString(storefrontOrder(ids.orderId(), ids.sku(), "9")))));
        String marketplace = "/webhooks/marketplace/orders";
        c.add(new WebhookCase("a Standard Webhooks timestamp outside the tolerance (a replay)", marketplace, 401, "outside the tolerance",
                ids -> standardWebhook("{\"id\": \"" + ids.orderId() + "\"}", Instant.now().getEpochSecond() - 3600, MARKETPLACE_SECRET)));
        c.add(new WebhookCase("a Standard Webhooks signature with another secret", marketplace, 401, "does not match",
                ids -> standardWebhook("{\"id\": \"" + ids.orderId() + "\"}", Instant.now().getEpochSecond(), "whsec_"
                        + Base64.getEncoder().encodeToString("another-secret".getBytes(StandardCharsets.UTF_8)))));
        String returns = "/webhooks/web/returns";
        c.add(new WebhookCase("a return for an order the hub never received", returns, 422, "unknown order none",
                ids -> storefront("""
                        {"rma_id": "%s", "order_id": "none", "location": "WH-NJ1", "received_at": "2026-11-26T09:00:00Z",
                         "items": [{"sku": "%s", "quantity": 1, "condition": "exploded"}]}""".formatted(ids.orderId(), ids.sku()))));
        c.add(new WebhookCase("a return to a node that does not exist", returns, 422, "NO-NODE",
                ids -> storefront("""
                        {"rma_id": "%s", "order_id": "none", "location": "NO-NODE", "received_at": "2026-11-26T09:00:00Z",
                         "items": [{"sku": "%s", "quantity": 1, "condition": "resellable"}]}""".formatted(ids.orderId(), ids.sku()))));
        c.add(new WebhookCase("a return with a negative quantity", returns, 400, "quantity",
                ids -> storefront("""
                        {"rma_id": "%s", "order_id": "none", "location": "WH-NJ1", "received_at": "2026-11-26T09:00:00Z",
                         "items": [{"sku": "%s", "quantity": -2, "condition": "resellable"}]}""".formatted(ids.orderId(), ids.sku()))));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> webhooksAnswerWithTheProblemAndChangeNothing() {
        return webhookCases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Ids ids = new Ids(TestData.sku(jdbc, "WH-NJ1", 7), "bad-" + UUID.randomUUID());
            HttpResponse<String> response = Signed.post(c.request().apply(ids).uri(URI.create(baseUrl() + c.path())).build());

            assertThat(response.statusCode()).as(c.name() + ": " + response.body()).isEqualTo(c.status());
            assertThat(response.body()).as(c.name()).contains(c.reason());
            assertThat(jdbc.queryForObject("select count(*) from orders where channel_order_id = :id",
                    new MapSqlParameterSource("id", ids.orderId()), Integer.class)).as("no order stored").isZero();
            assertUntouched(ids.sku(), 7);
        }));
    }

    /** A message on a Kafka topic: it must become a dead letter naming the problem; a good message after it still flows. */
    record KafkaCase(String name, String topic, ErrorCategory category, Function<Ids, String> reason, Function<Ids, byte[]> value) {
        KafkaCase(String name, String topic, ErrorCategory category, String reason, Function<Ids, byte[]> value) {
            this(name, topic, category, ids -> reason, value);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final ObjectMapper MAPPER = new ObjectMapper();

    static long deadLetterId(String message) {
        try {
            return MAPPER.readTree(message).path("deadLetterId").asLong(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** The source a dead letter names (and is keyed by on omnihub.dead-letters.v1), by the topic the message came from. */
    static final Map<String, String> SOURCES = Map.of("omnihub.stock-events.v1", "stock-events",
            "pos.sales.v1", "pos-sales", "pos.orders.v1", "pos-orders");

    static List<KafkaCase> kafkaCases() {
        String events = "omnihub.stock-events.v1";
        List<KafkaCase> c = new ArrayList<>();
        c.add(new KafkaCase("stock event: malformed JSON", events, ErrorCategory.INVALID,
                "malformed JSON: Unexpected end-of-input within/between Object entries",
                ids -> utf8("{\"eventId\": \"" + ids.orderId() + "\", \"type\": ")));
        // only the type: an unknown type is not an adjustment, so no reason is asked for
        c.add(new KafkaCase("stock event: unknown type", events, ErrorCategory.INVALID, "does not match the stock-event schema: "
                + "/type: does not have a value in the enumeration [\"SNAPSHOT\", \"ADJUSTMENT\", \"SALE\", \"RECEIPT\", \"RETURN\"]",
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"THEFT\", \"nodeId\": \"WH-NJ1\", \"sku\": \"%s\", \"quantity\": 1}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("stock event: negative sale", events, ErrorCategory.INVALID,
                "does not match the stock-event schema: /quantity: must have a minimum value of 0",
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"SALE\", \"nodeId\": \"WH-NJ1\", \"sku\": \"%s\", \"quantity\": -4}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("stock event: unknown node", events, ErrorCategory.UNKNOWN_REFERENCE, "unknown node NO-NODE",
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"RECEIPT\", \"nodeId\": \"NO-NODE\", \"sku\": \"%s\", \"quantity\": 4}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("stock event: unknown sku", events, ErrorCategory.UNKNOWN_REFERENCE,
                ids -> "unknown sku NO-SUCH-SKU-" + ids.orderId(),
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"RECEIPT\", \"nodeId\": \"WH-NJ1\", \"sku\": \"NO-SUCH-SKU-%s\", \"quantity\": 4}"
                        .formatted(ids.orderId(), ids.orderId()))));
        c.add(new KafkaCase("stock event: quantity as text", events, ErrorCategory.INVALID,
                "does not match the stock-event schema: /quantity: string found, integer expected",
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"RECEIPT\", \"nodeId\": \"WH-NJ1\", \"sku\": \"%s\", \"quantity\": \"four\"}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("stock event: adjustment without a reason", events, ErrorCategory.INVALID,
                "does not match the stock-event schema: : required property 'reason' not found",
                ids -> utf8("{\"eventId\": \"%s\", \"type\": \"ADJUSTMENT\", \"nodeId\": \"WH-NJ1\", \"sku\": \"%s\", \"quantity\": -2}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("POS sale: not UTF-8", "pos.sales.v1", ErrorCategory.INVALID, "body is not valid UTF-8",
                ids -> ("{\"saleId\": \"" + ids.orderId() + "\", \"storeId\": \"ST-MAN\", \"soldAt\": \"2026-11-25T14:03:11Z\", "
                        + "\"items\": [{\"sku\": \"" + ids.sku() + "\", \"qty\": 1, \"note\": \"caf\u00e9\"}]}").getBytes(StandardCharsets.ISO_8859_1)));
        c.add(new KafkaCase("POS sale: absurd quantity", "pos.sales.v1", ErrorCategory.INVALID,
                "does not match the stock-event schema: /quantity: must have a maximum value of 1000000",
                ids -> utf8("{\"saleId\": \"%s\", \"storeId\": \"ST-MAN\", \"soldAt\": \"2026-11-25T14:03:11Z\", \"items\": [{\"sku\": \"%s\", \"qty\": 99999999}]}"
                        .formatted(ids.orderId(), ids.sku()))));
        c.add(new KafkaCase("POS order: no lines", "pos.orders.v1", ErrorCategory.INVALID,
                "does not match the canonical-order schema: /lines: must have at least 1 items but found 0",
                ids -> utf8("{\"orderNo\": \"%s\", \"storeId\": \"ST-MAN\", \"createdAt\": \"2026-11-25T14:03:11Z\", \"currency\": \"USD\", \"items\": []}"
                        .formatted(ids.orderId()))));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> kafkaMessagesBecomeDeadLettersAndChangeNothing() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        }
        return kafkaCases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Ids ids = new Ids(TestData.sku(jdbc, "WH-NJ1", 7), "bad-" + UUID.randomUUID());

            byte[] sent = c.value().apply(ids);
            producer.send(new ProducerRecord<>(c.topic(), ids.sku(), sent)).get();

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<Map<String, Object>> dead = jdbc.queryForList(
                        "select category, error from dead_letter where payload like :marker",
                        new MapSqlParameterSource("marker", "%" + ids.orderId() + "%"));
                assertThat(dead).as("a dead letter for " + c.name()).hasSize(1);
                assertThat(dead.get(0).get("error")).as("the reason").isEqualTo(c.reason().apply(ids));
                assertThat(dead.get(0).get("category")).as("the category").isEqualTo(c.category().name());
            });
            assertUntouched(ids.sku(), 7);

            // and on omnihub.dead-letters.v1: keyed by its source, the original message with the category and reason
            Map<String, Object> row = jdbc.queryForMap("select id, source, payload from dead_letter where payload like :marker",
                    new MapSqlParameterSource("marker", "%" + ids.orderId() + "%"));
            assertThat(row.get("source")).as("the source of a dead letter from " + c.topic()).isEqualTo(SOURCES.get(c.topic()));
            long id = ((Number) row.get("id")).longValue();
            List<ConsumerRecord<String, String>> published = KafkaProbe.records(kafkaBrokers, "omnihub.dead-letters.v1",
                    r -> deadLetterId(r.value()) == id, Duration.ofSeconds(30));
            assertThat(published).as("dead letter %d on omnihub.dead-letters.v1", id).hasSize(1);
            assertThat(published.get(0).key()).as("keyed by source").isEqualTo(row.get("source"));
            JsonNode message = MAPPER.readTree(published.get(0).value());
            assertThat(message.path("deadLetterId").asLong()).isEqualTo(id);
            assertThat(message.path("source").asText()).isEqualTo(row.get("source"));
            assertThat(message.path("category").asText()).isEqualTo(c.category().name());
            assertThat(message.path("error").asText()).isEqualTo(c.reason().apply(ids));
            assertThat(message.path("payload").asText()).as("the original message").isEqualTo(row.get("payload"))
                    .contains(ids.orderId());
            if (!c.name().contains("not UTF-8")) {
                assertThat(message.path("payload").asText()).as("the original message, byte for byte")
                        .isEqualTo(new String(sent, StandardCharsets.UTF_8));
            }

            // the consumer goes on: a good receipt for the same sku after the bad message is applied
            if (c.topic().equals("omnihub.stock-events.v1")) {
                producer.send(new ProducerRecord<>(c.topic(), ids.sku(), utf8(
                        "{\"eventId\": \"good-%s\", \"type\": \"RECEIPT\", \"nodeId\": \"WH-NJ1\", \"sku\": \"%s\", \"quantity\": 3}"
                                .formatted(ids.orderId(), ids.sku())))).get();
                await().atMost(Duration.ofSeconds(30)).until(() -> onHand(ids.sku()) == 10);
            }
        }));
    }

    /** Admin API requests with bad input: a 4xx naming the problem, nothing changed. */
    record ApiCase(String name, String method, String path, String body, int status, String reason) {
    }

    @TestFactory
    Stream<DynamicTest> adminApiRefusesBadRequests() {
        List<ApiCase> cases = List.of(
                new ApiCase("node of an unknown type", "PUT", "/api/nodes/ST-BAD-TYPE",
                        "{\"name\": \"x\", \"type\": \"SHOP\", \"latitude\": 40, \"longitude\": -74}", 400, "type"),
                new ApiCase("node without coordinates", "PUT", "/api/nodes/ST-NO-GEO", "{\"name\": \"x\", \"type\": \"STORE\"}", 400, "latitude"),
                new ApiCase("malformed JSON body", "PUT", "/api/items/SKU-BAD-JSON", "{\"name\": ", 400, "malformed"),
                new ApiCase("item with a negative price", "PUT", "/api/items/SKU-NEG", "{\"name\": \"x\", \"unitPrice\": -1}", 400, "unitPrice"),
                // refused by the web server before the API: still answered in JSON, with the web server's reason
                new ApiCase("item id with a path in it", "PUT", "/api/items/..%2F..%2Fetc", "{\"name\": \"x\"}", 400,
                        "{\"error\":\"INVALID\",\"reason\":\"Invalid URI: [The encoded slash character is not allowed]\"}"),
                new ApiCase("channel selling from an unknown node", "PUT", "/api/channels/ch-bad", "{\"name\": \"x\", \"nodes\": [\"NOPE\"]}", 400, "unknown node NOPE"),
                new ApiCase("hold with a negative quantity", "POST", "/api/holds",
                        "{\"channel\": \"web\", \"lines\": [{\"sku\": \"SKU-1001\", \"quantity\": -1}]}", 400, "quantity"),
                new ApiCase("hold of an unknown sku", "POST", "/api/holds",
                        "{\"channel\": \"web\", \"lines\": [{\"sku\": \"NO-SUCH-SKU\", \"quantity\": 1}]}", 422, "lines: unknown sku NO-SUCH-SKU"),
                new ApiCase("cancel an order that does not exist", "POST", "/api/orders/OH-NOPE/cancel", "{\"reason\": \"x\"}", 404,
                        "order OH-NOPE is not stored in the hub"));
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            HttpResponse<String> response = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + c.path()))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("operator:operator".getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json")
                    .method(c.method(), HttpRequest.BodyPublishers.ofString(c.body())).build());
            assertThat(response.statusCode()).as(c.name() + ": " + response.body()).isEqualTo(c.status());
            assertThat(response.body()).as(c.name()).contains(c.reason());
        }));
    }

    int onHand(String sku) {
        return jdbc.queryForObject("select on_hand from stock where node_id = 'WH-NJ1' and sku = :sku",
                new MapSqlParameterSource("sku", sku), Integer.class);
    }

    void assertUntouched(String sku, int onHand) {
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        assertThat(jdbc.queryForMap("select on_hand, reserved from stock where node_id = 'WH-NJ1' and sku = :sku", p))
                .containsEntry("on_hand", onHand).containsEntry("reserved", 0);
        assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :sku", p, Integer.class))
                .as("no ledger entry for the case's sku").isZero();
        assertThat(jdbc.queryForObject("select count(*) from reservation where sku = :sku", p, Integer.class)).isZero();
    }
}
