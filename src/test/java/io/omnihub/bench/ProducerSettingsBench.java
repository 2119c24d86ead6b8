package io.omnihub.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The outbox relay's producer settings (linger, batch size, compression), measured against the hub's own broker in
 * the relay's own pattern: batches of 500 canonical orders handed to the producer without waiting, up to 4 batches
 * in flight, the oldest waited for. Prints throughput and the time from a batch's hand-over to its last ack, the
 * share of an order's way to Kafka the relay adds. {@code -Dbench.only=producer}.
 */
final class ProducerSettingsBench {

    private final HubUnderTest hub;
    private final int records;

    ProducerSettingsBench(HubUnderTest hub, int records) {
        this.hub = hub;
        this.records = records;
    }

    List<BenchRow> run() throws Exception {
        String payload = canonicalOrder();
        List<BenchRow> rows = new ArrayList<>();
        // name, linger ms, batch size, compression
        Object[][] settings = {
                {"linger 1 ms, 16 KiB, none", 1, 16_384, "none"},
                {"linger 5 ms, 16 KiB, none", 5, 16_384, "none"},
                {"linger 5 ms, 128 KiB, none", 5, 131_072, "none"},
                {"linger 5 ms, 128 KiB, lz4", 5, 131_072, "lz4"},
                {"linger 5 ms, 128 KiB, zstd", 5, 131_072, "zstd"},
                {"linger 20 ms, 256 KiB, lz4", 20, 262_144, "lz4"},
        };
        for (Object[] s : settings) {
            // twice: the first run warms the JVM and the broker for this setting
            measure(payload, (int) s[1], (int) s[2], (String) s[3], records / 4);
            double[] r = measure(payload, (int) s[1], (int) s[2], (String) s[3], records);
            rows.add(new BenchRow("Outbox relay producer: " + s[0],
                    BenchRow.rate(r[0], "msg/s") + String.format(Locale.ROOT, "; batch of 500 acked in p50 %s ms, p99 %s ms",
                            Latencies.ms(r[1]), Latencies.ms(r[2])),
                    "", "", payload.length() + "-byte canonical order, acks=all, idempotent, the relay's pattern (500 a batch, 4 in flight)"));
        }
        return rows;
    }

    private double[] measure(String payload, int lingerMs, int batchSize, String compression, int n) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, hub.kafkaBrokers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        Latencies batchAck = new Latencies();
        long start;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>("omnihub.orders.v1.bench", "warm", payload)).get(30, TimeUnit.SECONDS);
            ArrayDeque<Object[]> inFlight = new ArrayDeque<>();
            start = System.nanoTime();
            for (int sent = 0; sent < n; ) {
                List<Future<RecordMetadata>> batch = new ArrayList<>(500);
                long t0 = System.nanoTime();
                for (int i = 0; i < 500 && sent < n; i++, sent++) {
                    batch.add(producer.send(new ProducerRecord<>("omnihub.orders.v1.bench", "OH-" + sent, payload)));
                }
                inFlight.add(new Object[] {t0, batch});
                while (inFlight.size() >= 4) {
                    awaitOldest(inFlight, batchAck);
                }
            }
            while (!inFlight.isEmpty()) {
                awaitOldest(inFlight, batchAck);
            }
        }
        double rate = n * 1e9 / (System.nanoTime() - start);
        return new double[] {rate, batchAck.percentileMs(50), batchAck.percentileMs(99)};
    }

    @SuppressWarnings("unchecked")
    private static void awaitOldest(ArrayDeque<Object[]> inFlight, Latencies batchAck) throws Exception {
        Object[] f = inFlight.removeFirst();
        for (Future<RecordMetadata> r : (List<Future<RecordMetadata>>) f[1]) {
            r.get(30, TimeUnit.SECONDS);
        }
        batchAck.record(System.nanoTime() - (long) f[0]);
    }

    /** A canonical order as the hub stores and publishes it (two lines). */
    static String canonicalOrder() {
        return """
                {"orderId":"OH-3F2A9C0D1E2B3C4D5E6F","channel":"web","channelOrderId":"bench-1234abcd-run64-123456","placedAt":"2026-11-25T10:15:00Z",\
                "customer":{"email":"ada@example.com","firstName":"Ada","lastName":"Lovelace"},\
                "shipTo":{"name":"Ada Lovelace","line1":"350 5th Ave","city":"New York","region":"NY","postalCode":"10118","country":"US",\
                "latitude":40.7484,"longitude":-73.9857},"fulfillmentType":"SHIP_TO_HOME",\
                "lines":[{"lineNo":1,"sku":"SKU-1012","quantity":1,"unitPrice":29.99},{"lineNo":2,"sku":"SKU-1019","quantity":2,"unitPrice":39.99}],\
                "currency":"USD"}""";
    }
}
