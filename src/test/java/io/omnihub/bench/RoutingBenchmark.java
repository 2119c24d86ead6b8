package io.omnihub.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routing-and-reservation throughput (orders per second) through the live routing service, on many skus and on
 * one hot sku, next to a bare JDBC loop doing the same conditional update on the same database in the same run,
 * printed as a ratio. Not part of {@code mvn verify} (surefire excludes *Benchmark*); run it with
 * {@code mvn -o test -Dtest=RoutingBenchmark [-Dbench.orders=4000 -Dbench.threads=8]}.
 */
class RoutingBenchmark extends HubIntegrationTest {

    static final int ORDERS = Integer.getInteger("bench.orders", 3000);
    static final int THREADS = Integer.getInteger("bench.threads", 8);
    static final int SKUS = 200;

    @Autowired
    OrderRouting routing;
    @Autowired
    io.omnihub.fulfillment.OrderBatchRouting batches;
    @Autowired
    ObjectMapper mapper;
    @Autowired
    DataSource dataSource;

    /** One measured figure. */
    public record Result(String name, int operations, double seconds) {
        public double perSecond() {
            return operations / seconds;
        }

        Result named(String label) {
            return new Result(label, operations, seconds);
        }
    }

    @Test
    void routingAndReservationThroughput() throws Exception {
        List<Result> results = run();
        assertThat(results).hasSize(6);
    }

    /** Runs the four measurements and prints them; callable from another harness. */
    public List<Result> run() throws Exception {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < SKUS; i++) {
            many.add(TestData.sku(jdbc, "WH-NJ1", 1_000_000, "ST-MAN", 1_000_000));
        }
        String hot = TestData.sku(jdbc, "WH-NJ1", 1_000_000, "ST-MAN", 1_000_000);
        List<String> jdbcMany = new ArrayList<>();
        for (int i = 0; i < SKUS; i++) {
            jdbcMany.add(TestData.sku(jdbc, "WH-NJ1", 1_000_000));
        }
        String jdbcHot = TestData.sku(jdbc, "WH-NJ1", 1_000_000);

        // warm up both paths
        route(200, i -> many.get(i % SKUS));
        bareUpdates(500, i -> jdbcMany.get(i % SKUS));

        List<Result> results = List.of(
                route(ORDERS, i -> many.get(i % SKUS)).named("routing+reservation, " + SKUS + " skus"),
                bareUpdates(ORDERS, i -> jdbcMany.get(i % SKUS)).named("bare JDBC conditional update, " + SKUS + " skus"),
                route(ORDERS, i -> hot).named("routing+reservation, 1 hot sku"),
                bareUpdates(ORDERS, i -> jdbcHot).named("bare JDBC conditional update, 1 hot sku"),
                routeInBatches(ORDERS, i -> many.get(i % SKUS)).named("batches of " + BATCH + ", " + SKUS + " skus"),
                routeInBatches(ORDERS, i -> hot).named("batches of " + BATCH + ", 1 hot sku"));
        StringBuilder out = new StringBuilder("\n=== RoutingBenchmark: " + ORDERS + " orders, " + THREADS + " threads ===\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "%-45s %8.0f /s  (%d in %.2f s)%n", r.name(), r.perSecond(), r.operations(), r.seconds()));
        }
        out.append(String.format(Locale.ROOT, "ratio routing/bare, many skus: %.3f%n", results.get(0).perSecond() / results.get(1).perSecond()));
        out.append(String.format(Locale.ROOT, "ratio routing/bare, hot sku:   %.3f%n", results.get(2).perSecond() / results.get(3).perSecond()));
        out.append(String.format(Locale.ROOT, "ratio batches/bare, many skus: %.3f%n", results.get(4).perSecond() / results.get(1).perSecond()));
        out.append(String.format(Locale.ROOT, "ratio batches/bare, hot sku:   %.3f%n", results.get(5).perSecond() / results.get(3).perSecond()));
        System.out.println(out);
        return results;
    }

    private Result route(int n, IntFunction<String> skuOf) throws Exception {
        List<String> ids = BenchOrders.received(jdbc, mapper, n, skuOf);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<OrderRouting.Outcome>> futures = new ArrayList<>();
        for (String id : ids) {
            futures.add(pool.submit(() -> routing.route(id, OrderRouting.NEW)));
        }
        java.util.Map<String, Integer> waits = new java.util.TreeMap<>();
        while (!futures.stream().allMatch(Future::isDone)) {
            // where the database sessions spend their time while routing runs
            jdbc.query("select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, state) || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50) as w "
                    + "from pg_stat_activity where state <> 'idle' and pid <> pg_backend_pid() and backend_type = 'client backend'",
                    rs -> {
                        waits.merge(rs.getString(1), 1, Integer::sum);
                    });
            Thread.sleep(100);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        if (Boolean.getBoolean("bench.waits")) {
            waits.entrySet().stream().sorted(java.util.Map.Entry.<String, Integer>comparingByValue().reversed()).limit(15)
                    .forEach(e -> System.out.println("  db wait sample " + e.getValue() + "  " + e.getKey()));
        }
        // an order the retry job routed first (it was waiting in the queue) counts: it is routed once either way
        assertThat(jdbc.queryForObject("select count(*) from orders where id in (:ids) and status = 'ROUTED'",
                new MapSqlParameterSource("ids", ids), Integer.class)).isEqualTo(n);
        return new Result("route", n, s);
    }

    static final int BATCH = Integer.getInteger("bench.batch", 500);

    /** The consumer's batch path without Kafka: the orders in batches of {@link #BATCH}, batches on THREADS threads. */
    private Result routeInBatches(int n, IntFunction<String> skuOf) throws Exception {
        List<String> ids = BenchOrders.received(jdbc, mapper, n, skuOf);
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int from = 0; from < n; from += BATCH) {
            List<String> chunk = ids.subList(from, Math.min(n, from + BATCH));
            futures.add(pool.submit(() -> batches.route(chunk)));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        // only ROUTED orders count: a batch that lost its guard fails here rather than counting as routed
        assertThat(jdbc.queryForObject("select count(*) from orders where id in (:ids) and status = 'ROUTED'",
                new MapSqlParameterSource("ids", ids), Integer.class)).isEqualTo(n);
        return new Result("batches", n, s);
    }

    private Result bareUpdates(int n, IntFunction<String> skuOf) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            futures.add(pool.submit(() -> {
                try (Connection c = dataSource.getConnection();
                     PreparedStatement ps = c.prepareStatement("update stock set reserved = reserved + ? "
                             + "where node_id = ? and sku = ? and on_hand - reserved - ? >= ?")) {
                    c.setAutoCommit(true);
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        ps.setInt(1, 1);
                        ps.setString(2, "WH-NJ1");
                        ps.setString(3, skuOf.apply(i));
                        ps.setInt(4, 0);
                        ps.setInt(5, 1);
                        done.addAndGet(ps.executeUpdate());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        assertThat(done.get()).isEqualTo(n);
        return new Result("bare", n, s);
    }

    /** Stores RECEIVED one-line web orders directly (as intake would, without publishing them). */
    static final class BenchOrders {
        static List<String> received(org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate jdbc, ObjectMapper mapper,
                                     int n, IntFunction<String> skuOf) {
            return io.omnihub.fulfillment.TestOrders.received(jdbc, mapper, "web", n, skuOf);
        }
    }
}
