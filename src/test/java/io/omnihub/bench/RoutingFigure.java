package io.omnihub.bench;

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
import java.util.UUID;

/**
 * Routing and reservation throughput of the running hub: a batch of canonical orders is committed the way intake
 * commits them (order, lines and outbox row), then the clock runs until the hub has routed every one (relay to
 * Kafka, the order-routing consumer, the router and the reservation in PostgreSQL). Measured on many skus and on
 * one hot sku, next to the bare conditional update of {@link PostgresLimitBench} measured in the same run.
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
        double many = measure(runId + "M", i -> String.format(Locale.ROOT, "BENCH-RT-%04d", 1 + i % skus));
        double hot = measure(runId + "H", i -> "BENCH-RT-HOT");
        List<BenchRow> rows = new ArrayList<>();
        rows.add(new BenchRow("Routing and reservation, " + String.format(Locale.ROOT, "%,d", orders) + " orders over " + skus + " skus",
                rate(many), limit.manyRows == null ? "" : BenchRow.rate(limit.manyRows.perSecond(), "tx/s") + " (bare update)",
                limit.manyRows == null ? "n/a" : BenchRow.ratio(many, limit.manyRows.perSecond()),
                "orders committed as intake commits them, timed until every one is routed: outbox relay, Kafka, consumer, router, reservation"));
        rows.add(new BenchRow("Routing and reservation, " + String.format(Locale.ROOT, "%,d", orders) + " orders on one hot sku",
                rate(hot), limit.hotRow == null ? "" : BenchRow.rate(limit.hotRow.perSecond(), "tx/s") + " (bare update, one row)",
                limit.hotRow == null ? "n/a" : BenchRow.ratio(hot, limit.hotRow.perSecond()), "same, every order for one sku"));
        return rows;
    }

    private static String rate(double perSecond) {
        return perSecond > 0 ? BenchRow.rate(perSecond, "orders/s") : "did not finish in time";
    }

    interface SkuOf {
        String sku(int i);
    }

    private double measure(String batch, SkuOf skuOf) throws Exception {
        String prefix = "OH-BENCH-" + batch + "-";
        Instant start;
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement order = c.prepareStatement("insert into orders (id, channel, channel_order_id, status, fulfillment_type, placed_at, payload) "
                    + "values (?, 'web', ?, 'RECEIVED', 'SHIP_TO_HOME', now(), cast(? as jsonb))");
                 PreparedStatement line = c.prepareStatement("insert into order_line (order_id, line_no, sku, quantity, unit_price) values (?, 1, ?, 1, 10.00)");
                 PreparedStatement outbox = c.prepareStatement("insert into outbox (kind, topic, msg_key, payload) values ('KAFKA', 'omnihub.orders.v1', ?, cast(? as jsonb))")) {
                for (int i = 0; i < orders; i++) {
                    String id = prefix + i;
                    String json = """
                            {"orderId":"%s","channel":"web","channelOrderId":"%s","placedAt":"2026-11-25T10:00:00Z",
                             "shipTo":{"city":"Hoboken","country":"US","latitude":40.744,"longitude":-74.032},
                             "fulfillmentType":"SHIP_TO_HOME","lines":[{"lineNo":1,"sku":"%s","quantity":1,"unitPrice":10.00}],"currency":"USD"}
                            """.formatted(id, "bench-" + batch + "-" + i, skuOf.sku(i));
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
                }
                order.executeBatch();
                line.executeBatch();
                outbox.executeBatch();
            }
            c.commit();
            start = Instant.now();
        }
        long deadline = System.nanoTime() + maxTime.toNanos();
        try (Connection c = connect(); PreparedStatement done = c.prepareStatement(
                "select count(*) from orders where id like ? and status <> 'RECEIVED'")) {
            done.setString(1, prefix + "%");
            while (System.nanoTime() < deadline) {
                try (ResultSet r = done.executeQuery()) {
                    r.next();
                    if (r.getInt(1) >= orders) {
                        double seconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
                        return orders / seconds;
                    }
                }
                Thread.sleep(100);
            }
        }
        return -1;
    }

    private Connection connect() throws Exception {
        return DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
    }
}
