package io.omnihub.sync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.delivery.ChannelStubs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

/** Test helpers for the sync: produce canonical events with a plain Kafka producer, read what the channel stubs received. */
public final class SyncTestSupport {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static KafkaProducer<String, String> producer;

    private SyncTestSupport() {
    }

    static synchronized KafkaProducer<String, String> producer(String brokers) {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 0,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
        }
        return producer;
    }

    /** Sends a record and waits for the broker's acknowledgement. */
    public static org.apache.kafka.clients.producer.RecordMetadata send(String brokers, String topic, String key, String value) {
        try {
            return producer(brokers).send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A StockEvent as a store or WMS sends it; returns its eventId. */
    public static String stockEvent(String brokers, String type, String node, String sku, int quantity, String reason) {
        String eventId = "evt-" + UUID.randomUUID();
        sendStockEvent(brokers, eventId, type, node, sku, quantity, reason);
        return eventId;
    }

    public static org.apache.kafka.clients.producer.RecordMetadata sendStockEvent(String brokers, String eventId, String type,
                                                                                  String node, String sku, int quantity, String reason) {
        String json = """
                {"eventId": "%s", "type": "%s", "nodeId": "%s", "sku": "%s", "quantity": %d, %s
                 "occurredAt": "2026-11-25T10:00:00Z", "source": "test"}"""
                .formatted(eventId, type, node, sku, quantity, reason == null ? "" : "\"reason\": \"" + reason + "\",");
        return send(brokers, CanonicalTopics.STOCK_EVENTS, sku, json);
    }

    /** The web callbacks received for a sku's figures, in arrival order. */
    public static List<LoggedRequest> webFigures(String sku) {
        return ChannelStubs.server().findAll(postRequestedFor(urlEqualTo("/web/callbacks"))
                .withRequestBody(matchingJsonPath("$.data.sku", equalTo(sku))));
    }

    /** The marketplace stock API calls received for a sku, in arrival order. */
    public static List<LoggedRequest> marketplaceFigures(String sku) {
        return ChannelStubs.server().findAll(putRequestedFor(urlEqualTo("/marketplace/inventory/" + sku)));
    }

    /** The "available" figure of a web callback (envelope) or marketplace call (bare record). */
    public static int available(LoggedRequest r) {
        JsonNode n = json(r);
        return (n.has("data") ? n.get("data") : n).get("available").asInt();
    }

    public static long sequence(LoggedRequest r) {
        JsonNode n = json(r);
        return (n.has("data") ? n.get("data") : n).get("sequence").asLong();
    }

    public static JsonNode json(LoggedRequest r) {
        try {
            return MAPPER.readTree(r.getBodyAsString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Integer lastAvailable(List<LoggedRequest> requests) {
        return requests.isEmpty() ? null : available(requests.get(requests.size() - 1));
    }
}
