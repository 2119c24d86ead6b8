package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.Signed;
import io.omnihub.support.StoreStub;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A fulfillment request that the node's sink refuses is not lost: the fulfillment-requests consumer retries it with
 * backoff, then keeps it as a dead letter (table, topic omnihub.dead-letters.v1, the console's failures page), does not
 * record it as sent, and the order's timeline says it failed and why; replayed from the console once the node is back,
 * it reaches the node and the timeline says sent. Each sink is made to fail for real: the store's HTTP endpoint answers
 * 500, the WMS's and the drop-ship partner's SFTP folder is a file where the hub cannot write, the broker refuses
 * every record on the stores' topic.
 */
class FulfillmentSinkFailureIT extends HubIntegrationTest {

    @Autowired
    ObjectMapper mapper;

    @Value("${omnihub.sftp.root}")
    String sftpRoot;

    @Test
    void aRequestTheStoreAnswers500IsRetriedKeptAsADeadLetterAndDeliveredOnReplay() throws Exception {
        String sku = TestData.sku(jdbc, "ST-MAN", 5);
        // the store refuses every request for this test's sku (the other tests' requests still get 202)
        StubMapping refusal = StoreStub.server().stubFor(post(urlEqualTo("/stores/ST-MAN/fulfillment-requests"))
                .withRequestBody(containing(sku)).atPriority(1)
                .willReturn(aResponse().withStatus(500).withBody("{\"error\": \"store system down\"}")));
        String orderId;
        long deadLetterId;
        try {
            orderId = order(sku, "ST-MAN");
            deadLetterId = awaitDeadLetter(orderId);

            assertThat(storeRequests(orderId)).as("retried before it was given up").isGreaterThan(1);
            assertFailedAndNotSent(orderId, deadLetterId, "ST-MAN via STORE_HTTP", "500");
        } finally {
            StoreStub.server().removeStub(refusal);
        }

        int before = storeRequests(orderId);
        assertThat(replay(deadLetterId).get("outcome").asText()).isEqualTo("REPLAYED");
        assertThat(storeRequests(orderId)).as("the replay sent the request to the store again").isEqualTo(before + 1);
        assertSentAfterReplay(orderId);
    }

    @ParameterizedTest(name = "{0} with {1} not writable")
    @CsvSource({"WH-NJ1, wms/outbound, WMS_SFTP", "DS-ACME, partners/acme-dropship/outbound, PARTNER_SFTP"})
    void aRequestWhoseSftpFolderCannotBeWrittenIsRetriedKeptAsADeadLetterAndDeliveredOnReplay(String node, String folder,
                                                                                               String sink) throws Exception {
        String sku = TestData.sku(jdbc, node, 5);
        Path outbound = Path.of(sftpRoot, folder);
        Files.createDirectories(outbound);
        // the hub runs as root here, so a folder without permission would still be written: a file where the folder
        // should be refuses every write
        Path aside = outbound.resolveSibling(outbound.getFileName() + ".aside-" + UUID.randomUUID());
        Files.move(outbound, aside);
        Files.writeString(outbound, "not a folder");
        String orderId;
        long deadLetterId;
        try {
            orderId = order(sku, null);
            deadLetterId = awaitDeadLetter(orderId);
            assertFailedAndNotSent(orderId, deadLetterId, node + " via " + sink, "");
        } finally {
            Files.delete(outbound);
            Files.move(aside, outbound);
        }

        assertThat(replay(deadLetterId).get("outcome").asText()).isEqualTo("REPLAYED");
        try (var files = Files.list(outbound)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("the replay wrote the request file").anyMatch(name -> name.startsWith(orderId + "-" + node));
        }
        assertSentAfterReplay(orderId);
    }

    @Test
    void aRequestTheStoresTopicRefusesIsRetriedKeptAsADeadLetterAndDeliveredOnReplay() throws Exception {
        String sku = TestData.sku(jdbc, "ST-LIC", 5);
        ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, STORE_TOPIC);
        String orderId;
        long deadLetterId;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers))) {
            // the broker itself refuses every record on the stores' topic: no request fits in 64 bytes
            admin.createTopics(List.of(new NewTopic(STORE_TOPIC, Optional.empty(), Optional.empty())));
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.listTopics().names().get().contains(STORE_TOPIC));
            alter(admin, topic, new AlterConfigOp(new ConfigEntry("max.message.bytes", "64"), AlterConfigOp.OpType.SET));
            try {
                orderId = order(sku, "ST-LIC");
                deadLetterId = awaitDeadLetter(orderId);
                assertFailedAndNotSent(orderId, deadLetterId, "ST-LIC via STORE_KAFKA", "RecordTooLarge");
            } finally {
                alter(admin, topic, new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE));
            }
        }

        assertThat(replay(deadLetterId).get("outcome").asText()).isEqualTo("REPLAYED");
        assertThat(KafkaProbe.records(kafkaBrokers, STORE_TOPIC, r -> "ST-LIC".equals(r.key()) && r.value().contains(orderId),
                Duration.ofSeconds(20))).as("the replay published the request for the store").hasSize(1);
        assertSentAfterReplay(orderId);
    }

    static final String STORE_TOPIC = "omnihub.store-fulfillment.v1";

    static void alter(Admin admin, ConfigResource topic, AlterConfigOp op) throws Exception {
        admin.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get(20, TimeUnit.SECONDS);
    }

    String order(String sku, String pickupStore) throws Exception {
        HttpResponse<String> accepted = Signed.storefront(baseUrl() + "/webhooks/web/orders", OrderRoutingRouteIT.SECRET,
                OrderRoutingRouteIT.webOrder("web-" + UUID.randomUUID(), sku, 1, pickupStore));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return mapper.readTree(accepted.body()).get("orderId").asText();
    }

    long awaitDeadLetter(String orderId) {
        // requests that earlier tests left for the same kind of node come first on the topic and, while its folder
        // refuses writes, are each retried and dead-lettered before this test's own (full suite runs had 9 and 33 of
        // them ahead; the consumer sends the requests of a poll one after the other): the test profile's pauses
        // between attempts (omnihub.fulfillment.retry.*, 20 ms doubling up to 100 ms) make that about 0.3 s each
        await().atMost(Duration.ofSeconds(180)).until(() -> deadLetters(orderId).size() == 1);
        return deadLetters(orderId).get(0);
    }

    List<Long> deadLetters(String orderId) {
        return jdbc.queryForList("""
                select id from dead_letter where route_id = 'fulfillment-request-one' and replayed_at is null
                and payload like :pattern order by id""", new MapSqlParameterSource("pattern", "%" + orderId + "%"), Long.class);
    }

    int storeRequests(String orderId) {
        return StoreStub.server().findAll(postRequestedFor(urlEqualTo("/stores/ST-MAN/fulfillment-requests"))
                .withRequestBody(containing(orderId))).size();
    }

    List<String> timeline(String orderId, String kind) {
        return jdbc.queryForList("select detail from order_event where order_id = :id and kind = :kind order by id",
                new MapSqlParameterSource("id", orderId).addValue("kind", kind), String.class);
    }

    void assertFailedAndNotSent(String orderId, long deadLetterId, String where, String reasonPart) throws Exception {
        Map<String, Object> dl = jdbc.queryForMap("select source, error from dead_letter where id = :id",
                new MapSqlParameterSource("id", deadLetterId));
        assertThat(dl.get("source")).isEqualTo("fulfillment-requests");
        assertThat((String) dl.get("error")).as("the reason is kept").isNotBlank().contains(reasonPart);

        assertThat(timeline(orderId, "FULFILLMENT_REQUEST_SENT")).as("not recorded as sent").isEmpty();
        // the error configuration writes the timeline row right after the dead letter, in a transaction of its own
        await().atMost(Duration.ofSeconds(10)).until(() -> !timeline(orderId, "FULFILLMENT_REQUEST_FAILED").isEmpty());
        assertThat(timeline(orderId, "FULFILLMENT_REQUEST_FAILED")).singleElement().satisfies(detail -> assertThat(detail)
                .startsWith(where).contains(reasonPart).contains("dead letter " + deadLetterId));
        assertThat(jdbc.queryForObject("select count(*) from idempotency_key where scope = 'fulfillment-request' and key like :k",
                new MapSqlParameterSource("k", orderId + "%"), Integer.class)).isZero();

        // the operator sees it on the console's failures page, and it is on the dead letters topic
        JsonNode failures = mapper.readTree(get("viewer", "/api/console/failures").body());
        assertThat(failures.get("deadLetters").findValues("id")).extracting(JsonNode::asLong).contains(deadLetterId);
        assertThat(KafkaProbe.records(kafkaBrokers, CanonicalTopics.DEAD_LETTERS,
                r -> json(r.value()).path("deadLetterId").asLong() == deadLetterId, Duration.ofSeconds(20)))
                .singleElement().satisfies(r -> assertThat(json(r.value()).path("payload").asText()).contains(orderId));
    }

    void assertSentAfterReplay(String orderId) {
        assertThat(timeline(orderId, "FULFILLMENT_REQUEST_SENT")).hasSize(1);
        List<String> kinds = jdbc.queryForList("select kind from order_event where order_id = :id order by id",
                new MapSqlParameterSource("id", orderId), String.class);
        assertThat(kinds).containsSubsequence("ROUTED", "FULFILLMENT_REQUEST_FAILED", "FULFILLMENT_REQUEST_SENT");
        assertThat(deadLetters(orderId)).as("the dead letter is closed").isEmpty();
    }

    JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    JsonNode replay(long deadLetterId) throws Exception {
        HttpResponse<String> answer = Signed.post(HttpRequest.newBuilder(
                        URI.create(baseUrl() + "/api/console/dead-letters/" + deadLetterId + "/replay"))
                .header("Authorization", basic("operator")).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return mapper.readTree(answer.body());
    }

    HttpResponse<String> get(String user, String path) {
        return Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Authorization", basic(user)).GET().build());
    }

    static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8));
    }
}
