package io.omnihub.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Inventory sync latency of the running hub (issue 8): stock events on Kafka at 100, 500 and 1,000 per second,
 * timed until the LAST of five channels has received a figure reflecting each (web and bench-a/bench-b as signed
 * webhooks, marketplace and bench-c as marketplace stock PUTs), next to a bare HTTP round trip to the same stub.
 * The stub is {@link ChannelStubServer} in the load generator's JVM; bench/run.sh points the hub's channels at it
 * and defines bench-a..c. The measurement is {@link SyncLatencyProbe}'s.
 */
final class SyncLatencyFigure {

    static final List<String> CHANNELS = List.of("web", "marketplace", "bench-a", "bench-b", "bench-c");

    private final HubUnderTest hub;
    private final ChannelStubServer stub;
    private final int skus;
    private final int seconds;
    private final int[] rates;

    SyncLatencyFigure(HubUnderTest hub, ChannelStubServer stub, int skus, int seconds, int[] rates) {
        this.hub = hub;
        this.stub = stub;
        this.skus = skus;
        this.seconds = seconds;
        this.rates = rates;
    }

    List<BenchRow> run() throws Exception {
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             Statement s = c.createStatement()) {
            for (String channel : List.of("bench-a", "bench-b", "bench-c")) {
                s.execute("insert into channel (id, name, allow_split) values ('" + channel + "', '" + channel
                        + "', true) on conflict do nothing");
                s.execute("insert into channel_node (channel_id, node_id) values ('" + channel + "', 'WH-NJ1') on conflict do nothing");
            }
        }
        boolean statements = Boolean.getBoolean("bench.pg-statements");
        if (statements) {
            try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
                 Statement s = c.createStatement()) {
                s.execute("create extension if not exists pg_stat_statements");
                s.execute("select pg_stat_statements_reset()");
            }
        }
        long[] bare = bareRoundTrips(1_000);
        String limit = String.format(Locale.ROOT, "p50 %.1f ms / p99 %.1f ms / max %.1f ms (bare HTTP POST, same stub)",
                SyncLatencyProbe.ms(SyncLatencyProbe.pct(bare, 0.5)), SyncLatencyProbe.ms(SyncLatencyProbe.pct(bare, 0.99)),
                SyncLatencyProbe.ms(bare[bare.length - 1]));
        List<BenchRow> rows = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, hub.kafkaBrokers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            int warmup = Integer.getInteger("bench.sync.warmup-seconds", 15);
            if (warmup > 0) {
                // a hub in service has run this path a million times: give the JIT the same start (not measured)
                int rate = Arrays.stream(rates).max().orElse(100);
                System.out.printf(Locale.ROOT, "sync: warm-up, %d events/s for %d s (not measured) ...%n", rate, warmup);
                stub.probe.run(producer, "omnihub.stock-events.v1", newSkus(), CHANNELS, rate, warmup, Duration.ofSeconds(120));
                stub.probe.clear();
            }
            for (int rate : rates) {
                System.out.printf(Locale.ROOT, "sync: %d events/s for %d s ...%n", rate, seconds);
                List<String> runSkus = newSkus();
                SyncLatencyProbe.Result r = stub.probe.run(producer, "omnihub.stock-events.v1", runSkus, CHANNELS, rate,
                        seconds, Duration.ofSeconds(120));
                System.out.println(r.line(CHANNELS.size()));
                try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword())) {
                    System.out.println("    " + SyncLatencyProbe.stages(c, runSkus));
                }
                rows.add(new BenchRow(String.format(Locale.ROOT, "Inventory sync, %,d stock events/s, %d channels", rate, CHANNELS.size()),
                        "p50 " + SyncLatencyProbe.shown(r.p50()) + " / p99 " + SyncLatencyProbe.shown(r.p99())
                                + " / max " + SyncLatencyProbe.shown(r.max()),
                        limit,
                        r.p50() == SyncLatencyProbe.NEVER ? "n/a" : "p50 " + BenchRow.ratio(r.p50(), SyncLatencyProbe.pct(bare, 0.5)),
                        String.format(Locale.ROOT, "stock event on Kafka → last of %d channels received a figure reflecting it; "
                                + "%,d events over %d skus (achieved %,.0f/s), %,d reached every channel (the others count as never "
                                + "in the percentiles)%s", CHANNELS.size(), r.events(), skus,
                                r.achieved(), r.measured(), r.complete() ? "" : "; INCOMPLETE: not every channel caught up within 120 s")));
            }
        }
        if (statements) {
            printStatements();
        }
        return rows;
    }

    /** What PostgreSQL spent its time on during the figure (needs pg_stat_statements preloaded: see bench/run.sh). */
    private void printStatements() throws Exception {
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             Statement s = c.createStatement();
             var r = s.executeQuery("select calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') "
                     + "from pg_stat_statements order by total_exec_time desc limit 25")) {
            System.out.println("PostgreSQL statements by total execution time (calls, total ms, mean ms, rows, statement):");
            while (r.next()) {
                String q = r.getString(4);
                System.out.printf(Locale.ROOT, "  %8d %9.0f %7.3f %8d  %s%n", r.getLong(1), r.getDouble(2),
                        r.getDouble(2) / Math.max(1, r.getLong(1)), r.getLong(3), q.length() > 220 ? q.substring(0, 220) : q);
            }
        }
    }

    private List<String> newSkus() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6).toUpperCase(Locale.ROOT);
        List<String> list = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             PreparedStatement item = c.prepareStatement("insert into item (sku, name) values (?, 'bench sync item')");
             PreparedStatement stock = c.prepareStatement("insert into stock (node_id, sku, on_hand) values ('WH-NJ1', ?, ?)")) {
            for (int i = 0; i < skus; i++) {
                String sku = String.format(Locale.ROOT, "BENCH-SY-%s-%03d", run, i);
                item.setString(1, sku);
                item.executeUpdate();
                stock.setString(1, sku);
                stock.setInt(2, SyncLatencyProbe.START);
                stock.executeUpdate();
                list.add(sku);
            }
        }
        return list;
    }

    private long[] bareRoundTrips(int n) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stub.port() + "/bare"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"bare\",\"data\":{}}")).build();
        for (int i = 0; i < 200; i++) {
            client.send(request, HttpResponse.BodyHandlers.discarding());
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            client.send(request, HttpResponse.BodyHandlers.discarding());
            l[i] = System.nanoTime() - t0;
        }
        Arrays.sort(l);
        return l;
    }
}
