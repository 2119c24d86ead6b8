package io.omnihub.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics the console owns (at {@code /actuator/prometheus}):
 * <ul>
 *   <li>{@code omnihub_orders_received_total{channel}}: orders accepted per channel, counted from the orders table,
 *       so it is right across restarts and several hub instances;</li>
 *   <li>{@code omnihub_dead_letters_total} and {@code omnihub_dead_letters_open}: dead letters ever kept, and not yet replayed;</li>
 *   <li>{@code omnihub_deliveries_dead}: channel deliveries that gave up;</li>
 *   <li>{@code omnihub_file_rows_total{source,outcome}}: rows of partner and WMS files accepted or rejected, counted
 *       through {@link #fileRows} by the file connectors;</li>
 *   <li>{@code omnihub_orders_by_status{status}}: orders now in each status (UNFULFILLABLE among them);</li>
 *   <li>{@code omnihub_progress_running}: long jobs running (see {@link Progress}).</li>
 * </ul>
 * The database figures are refreshed every 5 seconds by one query each.
 */
@Component
public class HubMetrics {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HubMetrics.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> ordersPerChannel = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> ordersByStatus = new ConcurrentHashMap<>();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong openDeadLetters = new AtomicLong();
    private final AtomicLong deadDeliveries = new AtomicLong();

    public HubMetrics(NamedParameterJdbcTemplate jdbc, MeterRegistry registry, Progress progress) {
        this.jdbc = jdbc;
        this.registry = registry;
        FunctionCounter.builder("omnihub.dead.letters", deadLetters, AtomicLong::get)
                .description("Dead letters kept since the hub's database was created").register(registry);
        Gauge.builder("omnihub.dead.letters.open", openDeadLetters, AtomicLong::get)
                .description("Dead letters not yet replayed").register(registry);
        Gauge.builder("omnihub.deliveries.dead", deadDeliveries, AtomicLong::get)
                .description("Channel deliveries that gave up after their last attempt").register(registry);
        Gauge.builder("omnihub.progress.running", progress, Progress::running)
                .description("Long-running jobs in progress").register(registry);
    }

    /** Counts rows of a file from {@code source} (a partner or the WMS): accepted and rejected. */
    public void fileRows(String source, long accepted, long rejected) {
        if (accepted > 0) {
            Counter.builder("omnihub.file.rows").tag("source", source).tag("outcome", "accepted")
                    .description("Rows of inbound files").register(registry).increment(accepted);
        }
        if (rejected > 0) {
            Counter.builder("omnihub.file.rows").tag("source", source).tag("outcome", "rejected")
                    .description("Rows of inbound files").register(registry).increment(rejected);
        }
    }

    /** Reads the figures kept in the database. */
    @Scheduled(fixedDelay = 5000, initialDelay = 0)
    public void refresh() {
        try {
            read();
        } catch (org.springframework.dao.DataAccessException e) {
            // the database health check reports the outage; the figures keep their last values meanwhile
            log.debug("metrics refresh skipped: {}", e.getMessage());
        }
    }

    private void read() {
        jdbc.query("select channel, count(*) as n from orders group by channel", rs -> {
            String channel = rs.getString("channel");
            ordersPerChannel.computeIfAbsent(channel, ch -> {
                AtomicLong value = new AtomicLong();
                FunctionCounter.builder("omnihub.orders.received", value, AtomicLong::get).tag("channel", ch)
                        .description("Orders accepted per channel").register(registry);
                return value;
            }).set(rs.getLong("n"));
        });
        Map<String, Long> statuses = new java.util.HashMap<>();
        jdbc.query("select status, count(*) as n from orders group by status",
                rs -> { statuses.put(rs.getString("status"), rs.getLong("n")); });
        // a status no order has any more reads 0, not its last count
        ordersByStatus.forEach((status, value) -> value.set(statuses.getOrDefault(status, 0L)));
        statuses.forEach((status, n) -> ordersByStatus.computeIfAbsent(status, st -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("omnihub.orders.by.status", value, AtomicLong::get).tag("status", st)
                    .description("Orders now in each status").register(registry);
            return value;
        }).set(n));
        Map<String, Object> dl = jdbc.queryForMap(
                "select count(*) as total, count(*) filter (where replayed_at is null) as open from dead_letter", Map.of());
        deadLetters.set(((Number) dl.get("total")).longValue());
        openDeadLetters.set(((Number) dl.get("open")).longValue());
        deadDeliveries.set(jdbc.queryForObject("select count(*) from delivery where status = 'DEAD'", Map.of(), Long.class));
    }
}
