package io.omnihub.bench;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.delivery.ChannelStubs;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;


/**
 * Sync latency, in the test JVM: from a stock event produced on Kafka to the LAST of five channels receiving a figure that reflects it
 * (web and marketplace as configured, plus three more channels defined below on the same sinks), at 100, 500 and
 * 1,000 events per second, next to a bare HTTP round trip to the same stub in the same run. Not part of
 * {@code mvn verify} (excluded by its name); run it alone:
 * {@code mvn -o test -Dtest=SyncLatencyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * <p>
 * The measurement is {@link SyncLatencyProbe}'s; this one also prints where the time goes, stage by stage. The
 * harness ({@code bench/run.sh}) measures the same with the hub in its own process: {@link SyncLatencyFigure}.
 */
class SyncLatencyBenchmark extends HubIntegrationTest {

    static final List<String> CHANNELS = List.of("web", "marketplace", "bench-a", "bench-b", "bench-c");
    static final int SKUS = 100;
    static final int SECONDS_PER_RATE = 5;

    static {
        // three more channels on the same sinks, and no buffers, so that a figure maps to an exact count of events
        System.setProperty("omnihub.channels.marketplace.buffers.percent", "100");
        System.setProperty("omnihub.channels.marketplace.buffers.holdback", "0");
        for (String c : List.of("bench-a", "bench-b")) {
            System.setProperty("omnihub.channels." + c + ".sink.type", "WEBHOOK");
            System.setProperty("omnihub.channels." + c + ".sink.route", "direct:channel-web");
        }
        System.setProperty("omnihub.channels.bench-c.sink.type", "MARKETPLACE");
        System.setProperty("omnihub.channels.bench-c.sink.route", "direct:channel-marketplace");
        System.setProperty("logging.level.io.omnihub", "WARN");
    }

    static final SyncLatencyProbe probe = new SyncLatencyProbe();

    @AfterAll
    static void clear() {
        probe.clear();
    }

    @Test
    void printLatencies() throws Exception {
        for (String c : List.of("bench-a", "bench-b", "bench-c")) {
            jdbc.update("insert into channel (id, name, allow_split) values (:c, :c, true) on conflict do nothing",
                    new MapSqlParameterSource("c", c));
            jdbc.update("insert into channel_node (channel_id, node_id) values (:c, 'WH-NJ1') on conflict do nothing",
                    new MapSqlParameterSource("c", c));
        }
        WireMockServer stub = ChannelStubs.server();
        stub.addMockServiceRequestListener((request, response) -> probe.received(request.getBodyAsString(), System.nanoTime()));

        List<String> report = new ArrayList<>();
        report.add(bareHttp(stub.port()));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBrokers, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int rate : new int[] {100, 500, 1000}) {
                List<String> skus = new ArrayList<>();
                for (int i = 0; i < SKUS; i++) {
                    skus.add(TestData.sku(jdbc, "WH-NJ1", SyncLatencyProbe.START));
                }
                SyncLatencyProbe.Result r = probe.run(producer, CanonicalTopics.STOCK_EVENTS, skus, CHANNELS, rate,
                        SECONDS_PER_RATE, Duration.ofSeconds(120));
                report.add(r.line(CHANNELS.size()));
                report.add(stages(skus, rate));
            }
        }
        System.out.println();
        System.out.println("SyncLatencyBenchmark (" + CHANNELS.size() + " channels: " + CHANNELS + ", " + SKUS + " skus, "
                + SECONDS_PER_RATE + " s per rate)");
        report.forEach(System.out::println);
        System.out.println();
    }

    String stages(List<String> skus, int rate) throws Exception {
        try (java.sql.Connection c = jdbc.getJdbcTemplate().getDataSource().getConnection()) {
            return String.format("  %5d ev/s ", rate) + SyncLatencyProbe.stages(c, skus);
        }
    }

    String bareHttp(int port) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/web/callbacks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"bare\",\"data\":{}}")).build();
        for (int i = 0; i < 200; i++) {
            client.send(request, HttpResponse.BodyHandlers.discarding());
        }
        long[] l = new long[1000];
        for (int i = 0; i < l.length; i++) {
            long t0 = System.nanoTime();
            client.send(request, HttpResponse.BodyHandlers.discarding());
            l[i] = System.nanoTime() - t0;
        }
        Arrays.sort(l);
        return String.format("  bare HTTP round trip to the same stub (1,000 sequential POSTs):            p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms",
                ms(pct(l, 0.50)), ms(pct(l, 0.99)), ms(l[l.length - 1]));
    }

    static long pct(long[] sorted, double p) {
        return SyncLatencyProbe.pct(sorted, p);
    }

    static double ms(long nanos) {
        return SyncLatencyProbe.ms(nanos);
    }
}
