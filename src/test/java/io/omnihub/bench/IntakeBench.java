package io.omnihub.bench;

import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.canonical.OrderIds;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Intake: signed web storefront orders posted by {@code clients} concurrent clients, each counted only when
 * the hub answered 202 AND a consumer saw it on {@code omnihub.orders.v1}. Limits measured in the same run:
 * a bare HTTP echo of the same bytes on the same server stack ({@code /bench/echo}, bench profile only), and a
 * bare Kafka producer (acks=all, idempotent) of the same bytes against the hub's own broker, once with the same
 * number of threads each waiting for its send and once pipelined. The hub's 202 does not wait for Kafka: it means the
 * order and its outbox row are committed in PostgreSQL; the outbox relay publishes it after the commit.
 */
final class IntakeBench {

    static final String SECRET_PROPERTY = "bench.web.secret";
    static final String BENCH_TOPIC = "omnihub.bench.raw";

    private final HubUnderTest hub;
    private final int clients;
    private final long maxRequests;
    private final Duration maxTime;
    private final String secret = System.getProperty(SECRET_PROPERTY, "web-demo-secret");
    private final String runId = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    IntakeBench(HubUnderTest hub, int clients, long maxRequests, Duration maxTime) {
        this.hub = hub;
        this.clients = clients;
        this.maxRequests = maxRequests;
        this.maxTime = maxTime;
    }

    /** The storefront webhook body of order {@code n} of this run: two lines over the demo skus. */
    String body(String phase, long n) {
        int a = (int) (n % 36) + 1;
        int b = (int) ((n + 7) % 36) + 1;
        return """
                {"id": "%s-%s-%d", "created_at": "2026-11-25T10:15:00Z", "currency": "USD", "email": "ada@example.com",
                 "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
                 "shipping_address": {"name": "Ada Lovelace", "address1": "350 5th Ave", "city": "New York", "province_code": "NY",
                                      "zip": "10118", "country_code": "US", "latitude": 40.7484, "longitude": -73.9857},
                 "shipping_lines": [{"code": "standard", "price": "5.00"}],
                 "line_items": [{"sku": "SKU-%d", "quantity": 1, "price": "29.99"},
                                {"sku": "SKU-%d", "quantity": 2, "price": "39.99"}]}
                """.formatted(runId, phase, n, 1000 + a, 1000 + b);
    }

    String orderId(String phase, long n) {
        return OrderIds.of("web", runId + "-" + phase + "-" + n);
    }

    private HttpRequest signed(String path, byte[] bytes) {
        return HttpRequest.newBuilder(URI.create(hub.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac(secret, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    }

    private boolean post(String path, String phase, long n) throws Exception {
        byte[] bytes = body(phase, n).getBytes(StandardCharsets.UTF_8);
        HttpResponse<Void> r = http.send(signed(path, bytes), HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 202;
    }

    /** The concurrency levels of the intake figure: -Dbench.intake.clients=8,64,256 (default). */
    static int[] levels() {
        return java.util.Arrays.stream(System.getProperty("bench.intake.clients", "8,64,256").split(","))
                .mapToInt(x -> Integer.parseInt(x.trim())).toArray();
    }

    /** What one intake phase measured: HTTP answers, confirmations on Kafka, and the rate end to end. */
    record Phase(Load.Result http, long confirmed, Latencies toKafka, double endToEndRate) {
    }

    /** Intake at {@code c} clients, each order counted once its 202 came and a consumer saw it on the topic. */
    private Phase intakePhase(String phase, int c) throws Exception {
        Map<String, Long> pending = new ConcurrentHashMap<>();
        Latencies endToEnd = new Latencies();
        AtomicLong confirmed = new AtomicLong();
        AtomicLong lastConfirmNanos = new AtomicLong();
        Load.Result intake;
        long loadStart;
        try (OrderTopicCounter counter = new OrderTopicCounter(hub.kafkaBrokers(), pending, endToEnd, confirmed, lastConfirmNanos)) {
            counter.start();
            loadStart = System.nanoTime();
            intake = Load.run(c, maxRequests, maxTime, (w, n) -> {
                String id = orderId(phase, n);
                pending.put(id, System.nanoTime());
                boolean ok = post("/webhooks/web/orders", phase, n);
                if (!ok) {
                    pending.remove(id);
                }
                return ok;
            });
            long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (confirmed.get() < intake.ok() && System.nanoTime() < waitUntil) {
                Thread.sleep(50);
            }
        }
        long e2eNanos = lastConfirmNanos.get() - loadStart;
        double rate = confirmed.get() == 0 ? 0 : confirmed.get() * 1e9 / e2eNanos;
        return new Phase(intake, confirmed.get(), endToEnd, rate);
    }

    /** Runs the intake figure and its limits at each concurrency level, sampling the hub's memory under intake load. */
    List<BenchRow> run() throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        String first = body("probe", 0);
        int bodyBytes = first.getBytes(StandardCharsets.UTF_8).length;
        if (!post("/webhooks/web/orders", "probe", 0)) {
            return List.of(BenchRow.notAvailable("Intake: signed webhook orders", "the probe order was not accepted with 202"));
        }

        // warm-up of both paths, not counted
        Duration warm = Duration.ofSeconds(Long.getLong("bench.warmup.seconds", 15));
        Load.run(clients, Long.getLong("bench.warmup.requests", 2_000), warm, (w, n) -> post("/webhooks/web/orders", "warm", n));
        Load.run(clients, Long.getLong("bench.warmup.requests", 2_000), warm, (w, n) -> post("/bench/echo", "warmecho", n));

        pgStatements("select pg_stat_statements_reset()");
        long accepted = 0;
        long seen = 0;
        List<String> phases = new ArrayList<>();
        Load.Result kafkaAsync;
        try (KafkaProducer<String, byte[]> producer = producer();
             ResourceSampler sampler = new ResourceSampler(hub)) {
            underLoad = sampler;
            producer.send(new ProducerRecord<>(BENCH_TOPIC, "warm", first.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            Load.run(clients, 2_000, Duration.ofSeconds(5), (w, n) -> {
                producer.send(new ProducerRecord<>(BENCH_TOPIC, orderId("kwarm", n), body("kwarm", n).getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
                return true;
            });
            for (int c : levels()) {
                String phase = "run" + c;
                phases.add(phase);
                Phase intake = intakePhase(phase, c);
                accepted += intake.http().ok();
                seen += intake.confirmed();
                // the limits at the same concurrency, right after
                Load.Result echo = Load.run(c, maxRequests, maxTime, (w, n) -> post("/bench/echo", "echo" + c, n));
                Load.Result kafkaSync = Load.run(c, Long.getLong("bench.kafka.max", 200_000), maxTime, (w, n) -> {
                    producer.send(new ProducerRecord<>(BENCH_TOPIC, orderId("ksync" + c, n), body("ksync" + c, n).getBytes(StandardCharsets.UTF_8)))
                            .get(30, TimeUnit.SECONDS);
                    return true;
                });
                String lost = intake.confirmed() == intake.http().ok()
                        ? "all " + String.format(Locale.ROOT, "%,d", intake.http().ok()) + " accepted orders seen on Kafka"
                        : String.format(Locale.ROOT, "%,d accepted, only %,d seen on Kafka within 60 s", intake.http().ok(), intake.confirmed());
                rows.add(new BenchRow("Intake: signed webhook orders, 202 + on Kafka (" + c + " clients)",
                        BenchRow.rate(intake.endToEndRate(), "orders/s") + "; HTTP " + intake.http().latencies().summary()
                                + "; to Kafka " + intake.toKafka().summary(),
                        "HTTP echo of the same bytes, same stack, " + c + " clients: " + BenchRow.rate(echo.perSecond(), "req/s") + "; "
                                + echo.latencies().summary(),
                        BenchRow.ratio(intake.endToEndRate(), echo.perSecond()),
                        bodyBytes + "-byte body, 2 lines; " + lost + failures(intake.http()) + failures(echo)));
                rows.add(new BenchRow("Intake vs bare Kafka producer, " + c + " threads each waiting for its send",
                        BenchRow.rate(intake.endToEndRate(), "orders/s"),
                        "acks=all, idempotent, same bytes: " + BenchRow.rate(kafkaSync.perSecond(), "msg/s") + "; " + kafkaSync.latencies().summary(),
                        BenchRow.ratio(intake.endToEndRate(), kafkaSync.perSecond()),
                        "the hub answers 202 once the order and its outbox row are committed (group commit); its relay publishes them "
                                + "(pipelined batches, acks=all)" + failures(kafkaSync)));
                intakeRate = Math.max(intakeRate, intake.endToEndRate());
            }
            pgStatements(null);
            kafkaAsync = pipelined(producer, Long.getLong("bench.kafka.max", 200_000), maxTime);
        }
        rows.add(new BenchRow("Bare Kafka producer, pipelined (one thread, async)",
                "", "acks=all, idempotent, same bytes: " + BenchRow.rate(kafkaAsync.perSecond(), "msg/s"), "",
                "the broker's own ceiling on this machine (throughput only: a pipelined send's latency is its queueing)" + failures(kafkaAsync)));

        // latency at a steady offered rate (open loop: each request's latency counts from when it was due)
        int offered = Integer.getInteger("bench.intake.offered", 500);
        Load.Result steady = offered(offered, Duration.ofSeconds(Long.getLong("bench.intake.offered-seconds", 20)));
        accepted += steady.ok();
        phases.add("steady");
        rows.add(new BenchRow("Intake at " + offered + " orders/s offered: latency of the 202",
                "HTTP " + steady.latencies().summary() + String.format(Locale.ROOT, ", max %s ms", Latencies.ms(steady.latencies().maxMs())),
                "", "", String.format(Locale.ROOT, "open loop, latency from when each request was due; %,d answered 202", steady.ok())
                        + failures(steady)));

        // every accepted order is stored exactly once
        long stored = storedOrders(phases);
        notesOut.add(String.format(Locale.ROOT, "Intake check at the end: %,d orders answered 202 in the measured phases, %,d of them stored "
                + "(orders rows of this run), %,d of the closed-loop ones seen on omnihub.orders.v1.", accepted, stored, seen));
        return rows;
    }

    /**
     * With -Dbench.pg-statements=true (and pg_stat_statements preloaded, see bench/run.sh): runs {@code reset}, or
     * prints what PostgreSQL spent its time on during the closed-loop intake phases.
     */
    private void pgStatements(String reset) {
        if (!Boolean.getBoolean("bench.pg-statements")) {
            return;
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             java.sql.Statement st = c.createStatement()) {
            if (reset != null) {
                st.execute("create extension if not exists pg_stat_statements");
                st.execute(reset);
                return;
            }
            try (java.sql.ResultSet r = st.executeQuery("select calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') "
                    + "from pg_stat_statements order by total_exec_time desc limit 20")) {
                System.out.println("intake: PostgreSQL statements by total execution time (calls, total ms, mean ms, rows, statement):");
                while (r.next()) {
                    String q = r.getString(4);
                    System.out.printf(Locale.ROOT, "  %8d %9.0f %7.3f %8d  %s%n", r.getLong(1), r.getDouble(2),
                            r.getDouble(2) / Math.max(1, r.getLong(1)), r.getLong(3), q.length() > 160 ? q.substring(0, 160) : q);
                }
            }
        } catch (java.sql.SQLException e) {
            System.out.println("intake: pg_stat_statements not available: " + e.getMessage());
        }
    }

    /** Notes for the report. */
    final List<String> notesOut = new ArrayList<>();

    private long storedOrders(List<String> phases) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             java.sql.PreparedStatement st = c.prepareStatement(
                     "select count(*) from orders where channel = 'web' and channel_order_id like ? and channel_order_id ~ ?")) {
            st.setString(1, runId + "-%");
            st.setString(2, "^" + runId + "-(" + String.join("|", phases) + ")-[0-9]+$");
            try (java.sql.ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }

    /** Offers {@code rate} orders a second for {@code time}, whatever the answers take; latency from each due time. */
    private Load.Result offered(int rate, Duration time) throws Exception {
        Latencies lat = new Latencies();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        StringBuffer firstError = new StringBuffer();
        long total = rate * time.toSeconds();
        long interval = 1_000_000_000L / rate;
        List<java.util.concurrent.CompletableFuture<?>> all = new ArrayList<>();
        long start = System.nanoTime();
        for (long n = 0; n < total; n++) {
            long due = start + n * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            byte[] bytes = body("steady", n).getBytes(StandardCharsets.UTF_8);
            all.add(http.sendAsync(signed("/webhooks/web/orders", bytes), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (e == null && r.statusCode() == 202) {
                            lat.record(System.nanoTime() - due);
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            if (firstError.length() == 0) {
                                firstError.append(e != null ? e.toString() : "HTTP " + r.statusCode());
                            }
                        }
                    }));
        }
        for (java.util.concurrent.CompletableFuture<?> f : all) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // counted as failed above
            }
        }
        return new Load.Result(ok.get(), failed.get(), System.nanoTime() - start, lat, firstError.length() == 0 ? null : firstError.toString());
    }

    /** Orders per second end to end in the last run. */
    double intakeRate;
    /** Heap and memory peaks sampled during the measured intake phase. */
    ResourceSampler underLoad;

    private static String failures(Load.Result r) {
        if (r.failed() == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "; %,d failed%s", r.failed(), r.firstError() == null ? "" : " (" + r.firstError() + ")");
    }

    private Load.Result pipelined(KafkaProducer<String, byte[]> producer, long max, Duration time) throws Exception {
        Latencies lat = new Latencies();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + time.toNanos();
        long n = 0;
        while (n < max && System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            producer.send(new ProducerRecord<>(BENCH_TOPIC, orderId("kasync", n), body("kasync", n).getBytes(StandardCharsets.UTF_8)),
                    (md, e) -> {
                        if (e == null) {
                            lat.record(System.nanoTime() - t0);
                            acked.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    });
            n++;
        }
        producer.flush();
        return new Load.Result(acked.get(), failed.get(), System.nanoTime() - start, lat, null);
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, hub.kafkaBrokers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Reads omnihub.orders.v1 from its current end and counts the records whose key is a pending order of this run. */
    static final class OrderTopicCounter implements AutoCloseable {

        private final KafkaConsumer<String, String> consumer;
        private final Map<String, Long> pending;
        private final Latencies endToEnd;
        private final AtomicLong confirmed;
        private final AtomicLong lastConfirmNanos;
        private volatile boolean running = true;
        private Thread thread;

        OrderTopicCounter(String brokers, Map<String, Long> pending, Latencies endToEnd, AtomicLong confirmed,
                          AtomicLong lastConfirmNanos) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            this.consumer = new KafkaConsumer<>(p);
            this.pending = pending;
            this.endToEnd = endToEnd;
            this.confirmed = confirmed;
            this.lastConfirmNanos = lastConfirmNanos;
        }

        /** Positions at the end of every partition (before the load starts), then counts in a thread. */
        void start() {
            List<PartitionInfo> infos = consumer.partitionsFor(CanonicalTopics.ORDERS, Duration.ofSeconds(30));
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            thread = new Thread(() -> {
                while (running) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        Long sent = r.key() == null ? null : pending.remove(r.key());
                        if (sent != null) {
                            long now = System.nanoTime();
                            endToEnd.record(now - sent);
                            confirmed.incrementAndGet();
                            lastConfirmNanos.accumulateAndGet(now, Math::max);
                        }
                    }
                }
            }, "orders-topic-counter");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            if (thread != null) {
                thread.join(5_000);
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
