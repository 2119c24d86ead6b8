package io.omnihub.bench;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

/**
 * Routing and reservation of the running hub: a batch of canonical orders is committed the way intake commits them
 * (order, lines and outbox row), then the clock runs until the hub has decided every one (relay to Kafka, the
 * order-routing consumer, the router and the reservation in PostgreSQL). An order counts as routed only when it is
 * ROUTED; UNFULFILLABLE ones are counted and rated apart. Measured on many skus and on one hot sku, next to the bare
 * conditional update of {@link PostgresLimitBench} measured in the same run; then the latency from an order's commit
 * to its ROUTED status at a steady offered rate; then a check that stock, ledger and reservations agree and nothing is
 * oversold.
 */
final class RoutingFigure {

    private final HubUnderTest hub;
    private final PostgresLimitBench limit;
    private final int orders;
    private final Duration maxTime;

    RoutingFigure(HubUnderTest hub, PostgresLimitBench limit, int orders, Duration maxTime) {
        this.hub = hub;
        this.limit = limit;
        this.orders = orders;
        this.maxTime = maxTime;
    }

    /** How a measured batch ended: orders ROUTED and UNFULFILLABLE, and the seconds until every one was decided. */
    record Decided(int routed, int unfulfillable, double seconds) {
        double routedPerSecond() {
            return seconds > 0 ? routed / seconds : -1;
        }

        double unfulfillablePerSecond() {
            return seconds > 0 ? unfulfillable / seconds : -1;
        }
    }

    List<BenchRow> run() throws Exception {
        String runId = UUID.randomUUID().toString().substring(0, 6).toUpperCase(Locale.ROOT);
        int skus = 500;
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("insert into item (sku, name) select 'BENCH-RT-' || lpad(g::text, 4, '0'), 'bench routing item' "
                    + "from generate_series(1, " + skus + ") g on conflict do nothing");
            s.execute("insert into item (sku, name) values ('BENCH-RT-HOT', 'bench routing hot item') on conflict do nothing");
            s.execute("insert into stock (node_id, sku, on_hand) select 'WH-NJ1', sku, 1000000000 from item "
                    + "where sku like 'BENCH-RT-%' on conflict (node_id, sku) do update set on_hand = 1000000000");
        }
        boolean statements = Boolean.getBoolean("bench.pg-statements");
        if (statements) {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("create extension if not exists pg_stat_statements");
                s.execute("select pg_stat_statements_reset()");
            }
        }
        Decided many = measure(runId + "M", i -> String.format(Locale.ROOT, "BENCH-RT-%04d", 1 + i % skus));
        if (statements) {
            printStatements("the figure over " + skus + " skus");
        }
        Decided hot = measure(runId + "H", i -> "BENCH-RT-HOT");
        if (statements) {
            printStatements("the hot-sku figure");
        }
        int offered = Integer.getInteger("bench.routing.latency-rate", 500);
        int latencySeconds = Integer.getInteger("bench.routing.latency-seconds", 10);
        Latencies latency = new Latencies();
        int[] missed = new int[1];
        String latencyFailure = null;
        try {
            missed[0] = latency(runId + "L", offered, latencySeconds, i -> String.format(Locale.ROOT, "BENCH-RT-%04d", 1 + i % skus), latency);
        } catch (Exception e) {
            latencyFailure = e.toString();
        }
        String check = check();
        System.out.println("routing: after the figures, " + check);

        List<BenchRow> rows = new ArrayList<>();
        rows.add(new BenchRow("Routing and reservation, " + String.format(Locale.ROOT, "%,d", orders) + " orders over " + skus + " skus",
                rate(many), limit.manyRows == null ? "" : BenchRow.rate(limit.manyRows.perSecond(), "tx/s") + " (bare update)",
                limit.manyRows == null ? "n/a" : BenchRow.ratio(many.routedPerSecond(), limit.manyRows.perSecond()),
                "orders committed as intake commits them, timed until every one is decided: outbox relay, Kafka, consumer, router, "
                        + "reservation; only ROUTED orders count (" + unfulfillable(many) + "); " + check));
        rows.add(new BenchRow("Routing and reservation, " + String.format(Locale.ROOT, "%,d", orders) + " orders on one hot sku",
                rate(hot), limit.hotRow == null ? "" : BenchRow.rate(limit.hotRow.perSecond(), "tx/s") + " (bare update, one row)",
                limit.hotRow == null ? "n/a" : BenchRow.ratio(hot.routedPerSecond(), limit.hotRow.perSecond()),
                "same, every order for one sku (" + unfulfillable(hot) + ")"));
        rows.add(new BenchRow("Routing latency, order committed → ROUTED, " + offered + " orders/s offered for " + latencySeconds + " s",
                latencyFailure != null ? "n/a (" + latencyFailure + ")" : latency.summary() + ", max " + Latencies.ms(latency.maxMs()) + " ms",
                "", "", "orders committed in groups every 10 ms and published to Kafka right after the commit, as intake does; "
                + "ROUTED seen by polling the orders every 5 ms; " + latency.count() + " orders measured"
                + (missed[0] > 0 ? ", " + missed[0] + " not ROUTED within the wait (not in the percentiles)" : "")));
        return rows;
    }

    private static String rate(Decided d) {
        return d.routedPerSecond() > 0 ? BenchRow.rate(d.routedPerSecond(), "orders/s") + " routed" : "did not finish in time";
    }

    private static String unfulfillable(Decided d) {
        return d.seconds() <= 0 ? "did not finish" : String.format(Locale.ROOT, "%,d routed, %,d unfulfillable = %s", d.routed(),
                d.unfulfillable(), BenchRow.rate(d.unfulfillablePerSecond(), "unfulfillable/s"));
    }

    interface SkuOf {
        String sku(int i);
    }

    private static String json(String id, String channelOrderId, String sku) {
        return """
                {"orderId":"%s","channel":"web","channelOrderId":"%s","placedAt":"2026-11-25T10:00:00Z",
                 "shipTo":{"city":"Hoboken","country":"US","latitude":40.744,"longitude":-74.032},
                 "fulfillmentType":"SHIP_TO_HOME","lines":[{"lineNo":1,"sku":"%s","quantity":1,"unitPrice":10.00}],"currency":"USD"}
                """.formatted(id, channelOrderId, sku);
    }

    /** Stores orders {@code from} .. {@code to - 1} as intake does, in the connection's transaction; returns their JSON. */
    private List<String[]> store(Connection c, String batch, int from, int to, SkuOf skuOf, boolean outboxProcessed) throws Exception {
        String prefix = "OH-BENCH-" + batch + "-";
        List<String[]> stored = new ArrayList<>();
        try (PreparedStatement order = c.prepareStatement("insert into orders (id, channel, channel_order_id, status, fulfillment_type, placed_at, payload) "
                + "values (?, 'web', ?, 'RECEIVED', 'SHIP_TO_HOME', now(), cast(? as jsonb))");
             PreparedStatement line = c.prepareStatement("insert into order_line (order_id, line_no, sku, quantity, unit_price) values (?, 1, ?, 1, 10.00)");
             PreparedStatement outbox = c.prepareStatement("insert into outbox (kind, topic, msg_key, payload, processed_at) "
                     + "values ('KAFKA', 'omnihub.orders.v1', ?, cast(? as jsonb), " + (outboxProcessed ? "now()" : "null") + ")")) {
            for (int i = from; i < to; i++) {
                String id = prefix + i;
                String json = json(id, "bench-" + batch + "-" + i, skuOf.sku(i));
                order.setString(1, id);
                order.setString(2, "bench-" + batch + "-" + i);
                order.setString(3, json);
                order.addBatch();
                line.setString(1, id);
                line.setString(2, skuOf.sku(i));
                line.addBatch();
                outbox.setString(1, id);
                outbox.setString(2, json);
                outbox.addBatch();
                stored.add(new String[] {id, json});
            }
            order.executeBatch();
            line.executeBatch();
            outbox.executeBatch();
        }
        return stored;
    }

    private Decided measure(String batch, SkuOf skuOf) throws Exception {
        String prefix = "OH-BENCH-" + batch + "-";
        Instant start;
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            store(c, batch, 0, orders, skuOf, false);
            c.commit();
            start = Instant.now();
        }
        long deadline = System.nanoTime() + maxTime.toNanos();
        try (Connection c = connect(); PreparedStatement done = c.prepareStatement(
                "select count(*) filter (where status = 'ROUTED'), count(*) filter (where status = 'UNFULFILLABLE') from orders "
                        + "where id like ? and status <> 'RECEIVED'")) {
            done.setString(1, prefix + "%");
            while (System.nanoTime() < deadline) {
                try (ResultSet r = done.executeQuery()) {
                    r.next();
                    if (r.getInt(1) + r.getInt(2) >= orders) {
                        double seconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
                        return new Decided(r.getInt(1), r.getInt(2), seconds);
                    }
                }
                Thread.sleep(100);
            }
        }
        return new Decided(0, 0, -1);
    }

    /**
     * Offers {@code rate} orders a second for {@code seconds}: every 10 ms the orders due are committed in one
     * transaction (outbox rows marked published) and published to omnihub.orders.v1 right after, as intake does; a
     * poller records when each becomes ROUTED. Returns how many were not ROUTED within 30 s of the last commit.
     */
    private int latency(String batch, int rate, int seconds, SkuOf skuOf, Latencies latencies) throws Exception {
        Map<String, Long> committedAt = new ConcurrentHashMap<>();
        int total = rate * seconds;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, hub.kafkaBrokers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
             Connection c = connect(); Connection poll = connect()) {
            c.setAutoCommit(false);
            Thread poller = new Thread(() -> pollRouted(poll, committedAt, latencies, total), "bench-routed-poller");
            poller.setDaemon(true);
            poller.start();
            long t0 = System.nanoTime();
            int sent = 0;
            while (sent < total) {
                long due = Math.min(total, (System.nanoTime() - t0) * rate / 1_000_000_000L + 1);
                if (due > sent) {
                    List<String[]> stored = store(c, batch, sent, (int) due, skuOf, true);
                    c.commit();
                    long now = System.nanoTime();
                    List<Future<?>> acks = new ArrayList<>();
                    for (String[] o : stored) {
                        committedAt.put(o[0], now);
                        acks.add(producer.send(new ProducerRecord<>("omnihub.orders.v1", o[0], o[1])));
                    }
                    producer.flush();
                    for (Future<?> f : acks) {
                        f.get();
                    }
                    sent = (int) due;
                }
                Thread.sleep(10);
            }
            poller.join(Duration.ofSeconds(30 + seconds).toMillis());
            poller.interrupt();
            return committedAt.size();
        }
    }

    private static void pollRouted(Connection c, Map<String, Long> committedAt, Latencies latencies, int total) {
        int seen = 0;
        long deadline = Long.MAX_VALUE;
        try (PreparedStatement routed = c.prepareStatement("select id from orders where id = any(?) and status = 'ROUTED'")) {
            while (seen < total && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                List<String> pending = new ArrayList<>(committedAt.keySet());
                if (!pending.isEmpty()) {
                    Array ids = c.createArrayOf("text", pending.toArray());
                    routed.setArray(1, ids);
                    try (ResultSet r = routed.executeQuery()) {
                        long now = System.nanoTime();
                        while (r.next()) {
                            Long at = committedAt.remove(r.getString(1));
                            if (at != null) {
                                latencies.record(now - at);
                                seen++;
                            }
                        }
                    }
                }
                if (seen + committedAt.size() >= total && deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * After the figures: the bench skus' reserved figure equals both the sum of their ledger entries' reserved
     * changes and their ACTIVE reservations, nothing is reserved beyond what is on hand, every bench order is decided
     * exactly once, and every node's load counter equals its open order reservations.
     */
    private String check() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                select
                  (select count(*) from stock st where st.sku like 'BENCH-RT-%' and st.reserved <>
                     (select coalesce(sum(l.reserved_delta), 0) from ledger_entry l where l.node_id = st.node_id and l.sku = st.sku)) as ledger_off,
                  (select count(*) from stock st where st.sku like 'BENCH-RT-%' and st.reserved <>
                     (select coalesce(sum(q.quantity), 0) from reservation q where q.node_id = st.node_id and q.sku = st.sku
                      and q.status = 'ACTIVE')) as reservations_off,
                  (select count(*) from stock st where st.sku like 'BENCH-RT-%' and (st.reserved > st.on_hand or st.reserved < 0)) as oversold,
                  (select count(*) from order_routing o where o.order_id like 'OH-BENCH-%' and o.decisions <> 1) as decided_twice,
                  (select coalesce(sum(reserved), 0) from stock where sku like 'BENCH-RT-%') as reserved,
                  (select count(*) from node n where coalesce((select l.open_reservations from node_load l where l.node_id = n.id), 0) <>
                     (select count(*) from reservation q where q.node_id = n.id and q.status = 'ACTIVE' and q.order_id is not null)) as load_off""")) {
            r.next();
            long ledgerOff = r.getLong(1);
            long reservationsOff = r.getLong(2);
            long oversold = r.getLong(3);
            long twice = r.getLong(4);
            long loadOff = r.getLong(6);
            boolean ok = ledgerOff == 0 && reservationsOff == 0 && oversold == 0 && twice == 0 && loadOff == 0;
            return (ok ? "check OK" : "check FAILED") + String.format(Locale.ROOT,
                    ": %,d units reserved; stock rows off their ledger %d, off their active reservations %d, oversold %d; orders decided "
                            + "more than once %d; node load counters off their open reservations %d",
                    r.getLong(5), ledgerOff, reservationsOff, oversold, twice, loadOff);
        }
    }

    /** What PostgreSQL spent its time on (needs pg_stat_statements preloaded: see bench/run.sh), then a reset. */
    private void printStatements(String during) throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select calls, total_exec_time, rows, regexp_replace(query, '\\s+', ' ', 'g') "
                     + "from pg_stat_statements order by total_exec_time desc limit 25")) {
            System.out.println("PostgreSQL statements by total execution time during " + during + " (calls, total ms, mean ms, rows, statement):");
            while (r.next()) {
                String q = r.getString(4);
                System.out.printf(Locale.ROOT, "  %8d %9.0f %7.3f %8d  %s%n", r.getLong(1), r.getDouble(2),
                        r.getDouble(2) / Math.max(1, r.getLong(1)), r.getLong(3), q.length() > 200 ? q.substring(0, 200) : q);
            }
        }
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("select pg_stat_statements_reset()");
        }
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
    }
}
