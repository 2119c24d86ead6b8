package io.omnihub.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The raw PostgreSQL limit for reservations: a bare JDBC loop of the hub's conditional update
 * ({@code reserved = reserved + 1 ... where on_hand - reserved - 0 >= 1}), autocommit, one connection per thread,
 * against the hub's own embedded (durable) PostgreSQL: once spread over many rows, once on one hot row. Uses
 * bench skus it creates (BENCH-PG-*), never the demo data.
 */
final class PostgresLimitBench {

    static final String UPDATE = "update stock set reserved = reserved + 1 where node_id = ? and sku = ? and on_hand - reserved - 0 >= 1";
    static final String NODE = "WH-NJ1";
    static final String HOT = "BENCH-PG-HOT";

    private final HubUnderTest hub;
    private final int threads;
    private final int rows;
    private final long maxOps;
    private final Duration maxTime;

    /** Results kept for other figures (routing) to compare with. */
    Load.Result manyRows;
    Load.Result hotRow;

    PostgresLimitBench(HubUnderTest hub, int threads, int rows, long maxOps, Duration maxTime) {
        this.hub = hub;
        this.threads = threads;
        this.rows = rows;
        this.maxOps = maxOps;
        this.maxTime = maxTime;
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
    }

    static String sku(int i) {
        return String.format(Locale.ROOT, "BENCH-PG-%06d", i);
    }

    private void setUp() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("insert into item (sku, name) select 'BENCH-PG-' || lpad(g::text, 6, '0'), 'bench item' "
                    + "from generate_series(1, " + rows + ") g on conflict do nothing");
            s.execute("insert into item (sku, name) values ('" + HOT + "', 'bench hot item') on conflict do nothing");
            s.execute("insert into stock (node_id, sku, on_hand) select '" + NODE + "', sku, 1000000000 from item "
                    + "where sku like 'BENCH-PG-%' on conflict (node_id, sku) do update set on_hand = 1000000000, reserved = 0");
            s.execute("vacuum analyze stock");
        }
    }

    private long reservedTotal(String where) throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select coalesce(sum(reserved), 0) from stock where node_id = '" + NODE + "' and " + where)) {
            r.next();
            return r.getLong(1);
        }
    }

    private Load.Result loop(boolean hot) throws Exception {
        List<Connection> connections = new ArrayList<>();
        List<PreparedStatement> statements = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                Connection c = connect();
                c.setAutoCommit(true);
                connections.add(c);
                PreparedStatement ps = c.prepareStatement(UPDATE);
                ps.setString(1, NODE);
                statements.add(ps);
            }
            Load.Operation op = (worker, n) -> {
                PreparedStatement ps = statements.get(worker);
                ps.setString(2, hot ? HOT : sku(ThreadLocalRandom.current().nextInt(1, rows + 1)));
                return ps.executeUpdate() == 1;
            };
            Load.run(threads, Math.min(2_000, maxOps), Duration.ofSeconds(5), op); // warm-up, prepares server-side
            return Load.run(threads, maxOps, maxTime, op);
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    List<BenchRow> run() throws Exception {
        setUp();
        long before = reservedTotal("sku like 'BENCH-PG-%'");
        manyRows = loop(false);
        hotRow = loop(true);
        long after = reservedTotal("sku like 'BENCH-PG-%'");
        long warmups = Math.min(2_000, maxOps) * 2;
        long expected = manyRows.ok() + hotRow.ok();
        String check = (after - before) >= expected && (after - before) <= expected + warmups
                ? "reserved grew by exactly the updates counted (plus warm-up)" : "reserved grew by " + (after - before) + ", counted " + expected;
        List<BenchRow> out = new ArrayList<>();
        out.add(new BenchRow("PostgreSQL raw limit: conditional reserve update, " + threads + " threads, " + String.format(Locale.ROOT, "%,d", rows) + " rows",
                "(routing figure: see routing row)",
                BenchRow.rate(manyRows.perSecond(), "tx/s") + "; " + manyRows.latencies().summary(),
                "", "bare JDBC, autocommit, durable (fsync on); " + check));
        out.add(new BenchRow("PostgreSQL raw limit: conditional reserve update, " + threads + " threads, one hot row",
                "(routing figure: see routing row)",
                BenchRow.rate(hotRow.perSecond(), "tx/s") + "; " + hotRow.latencies().summary(),
                "", "bare JDBC, autocommit, durable (fsync on)"));
        return out;
    }
}
