package io.omnihub.reconciliation;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Array;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The owner of the {@code reconciliation_run} and {@code reconciliation_drift} tables: runs with their progress,
 * the drifts they found, and whether each drift's corrective delivery has reached the channel.
 */
@Component
public class Reconciliations {

    /** Where a run stands. */
    public enum Status { QUEUED, RUNNING, COMPLETED, FAILED }

    /**
     * A run as the API shows it: its progress, and its drifts found, repaired (the corrective delivery, or a newer
     * figure, reached the channel) and still being repaired.
     */
    public record Run(long id, String channel, @JsonIgnore List<String> skus, Integer skusAsked, boolean reportOnly, String trigger, Status status,
                      int pages, int skusRead, int inFlight, int unknownSkus, int drifts, int repaired, int repairing,
                      int rateLimited, String error, Instant startedAt, Instant finishedAt) {
    }

    /** One difference between the channel and the hub. {@code channelFigure} null: the channel does not list the sku. */
    public record Drift(long id, long runId, String channel, String sku, Integer channelFigure, int hubFigure,
                        Integer lastDelivered, Instant lastDeliveredAt, Long lastDeliveryAgeSeconds, DriftCause cause,
                        Instant foundAt, Long deliveryId, Instant repairedAt) {
    }

    /** A drift as a run finds it, before it is stored. */
    public record NewDrift(String sku, Integer channelFigure, int hubFigure, Integer lastDelivered,
                           Instant lastDeliveredAt, DriftCause cause) {
    }

    private static final String RUN_COLUMNS = """
            r.id, r.channel, r.skus, cardinality(r.skus) as skus_asked, r.report_only, r.trigger, r.status, r.pages, r.skus_read, r.in_flight,
            r.unknown_skus, r.drifts, r.rate_limited, r.error, r.started_at, r.finished_at,
            (select count(*) from reconciliation_drift d where d.run_id = r.id and d.repaired_at is not null) as repaired,
            (select count(*) from reconciliation_drift d where d.run_id = r.id and d.delivery_id is not null
                and d.repaired_at is null) as repairing""";

    private final NamedParameterJdbcTemplate jdbc;

    public Reconciliations(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A new run, QUEUED; returns its id. */
    public long create(String channel, Collection<String> skus, boolean reportOnly, String trigger) {
        return jdbc.queryForObject("""
                insert into reconciliation_run (channel, skus, report_only, trigger, status)
                values (:channel, cast(:skus as text[]), :reportOnly, :trigger, 'QUEUED') returning id""",
                new MapSqlParameterSource("channel", channel)
                        .addValue("skus", skus == null ? null : skus.toArray(new String[0]))
                        .addValue("reportOnly", reportOnly).addValue("trigger", trigger), Long.class);
    }

    /** True when the channel has a run queued or running whose hub is alive (its heartbeat is recent). */
    public boolean busy(String channel) {
        return Boolean.TRUE.equals(jdbc.queryForObject("""
                select exists (select 1 from reconciliation_run where channel = :channel
                    and status in ('QUEUED', 'RUNNING') and heartbeat_at > now() - interval '5 minutes')""",
                new MapSqlParameterSource("channel", channel), Boolean.class));
    }

    /**
     * Marks run {@code id} RUNNING, unless another run of its channel is running (on this instance or another: a
     * partial unique index allows one RUNNING run per channel); returns whether it started.
     */
    public boolean started(long id) {
        try {
            return jdbc.update("""
                    update reconciliation_run r set status = 'RUNNING', started_at = now(), heartbeat_at = now()
                    where r.id = :id and not exists (select 1 from reconciliation_run o
                                                     where o.channel = r.channel and o.status = 'RUNNING' and o.id <> r.id)""",
                    new MapSqlParameterSource("id", id)) == 1;
        } catch (DuplicateKeyException e) {
            // another instance started one of the channel's runs at the same moment
            return false;
        }
    }

    /** A queued run waiting for its channel's running one is alive: its heartbeat. */
    public void waiting(long id) {
        jdbc.update("update reconciliation_run set heartbeat_at = now() where id = :id", new MapSqlParameterSource("id", id));
    }

    /**
     * The skus of {@code skus} the channel has drifted on at least {@code times} times within {@code window}, each
     * with a sentence saying so (in the caller's transaction: the drifts of the page just recorded count).
     */
    public Map<String, String> recurring(String channel, Collection<String> skus, int times, Duration window) {
        Map<String, String> recurring = new TreeMap<>();
        if (times <= 0 || skus.isEmpty()) {
            return recurring;
        }
        jdbc.query("""
                select sku, count(*), min(found_at) from reconciliation_drift
                where channel = :channel and sku = any(cast(:skus as text[])) and found_at > now() - make_interval(secs => :window)
                group by sku having count(*) >= :times""",
                new MapSqlParameterSource("channel", channel).addValue("skus", skus.toArray(String[]::new))
                        .addValue("window", (double) window.toSeconds()).addValue("times", times),
                rs -> {
                    recurring.put(rs.getString(1), channel + " drifted on it " + rs.getInt(2) + " times since "
                            + rs.getTimestamp(3).toInstant());
                });
        return recurring;
    }

    /** A page's progress, added to the run's counts. */
    public void progress(long id, int pages, int skusRead, int inFlight, int unknownSkus, int drifts, int rateLimited) {
        jdbc.update("""
                update reconciliation_run set pages = pages + :pages, skus_read = skus_read + :read,
                       in_flight = in_flight + :inFlight, unknown_skus = unknown_skus + :unknown, drifts = drifts + :drifts,
                       rate_limited = rate_limited + :limited, heartbeat_at = now()
                where id = :id""",
                new MapSqlParameterSource("id", id).addValue("pages", pages).addValue("read", skusRead)
                        .addValue("inFlight", inFlight).addValue("unknown", unknownSkus).addValue("drifts", drifts)
                        .addValue("limited", rateLimited));
    }

    public void finished(long id, Status status, String error) {
        jdbc.update("update reconciliation_run set status = :status, error = :error, finished_at = now(), heartbeat_at = now() "
                + "where id = :id", new MapSqlParameterSource("id", id).addValue("status", status.name())
                .addValue("error", error == null || error.length() <= 2000 ? error : error.substring(0, 2000)));
    }

    /** Runs left QUEUED or RUNNING by a hub that stopped (no heartbeat for five minutes) are marked FAILED. */
    public int abandonStale() {
        return jdbc.update("""
                update reconciliation_run set status = 'FAILED', error = 'abandoned: the hub running it stopped', finished_at = now()
                where status in ('QUEUED', 'RUNNING') and heartbeat_at < now() - interval '5 minutes'""",
                new MapSqlParameterSource());
    }

    /** Stores a page's drifts (in the caller's transaction). */
    public void record(long runId, String channel, List<NewDrift> drifts) {
        if (drifts.isEmpty()) {
            return;
        }
        jdbc.update("""
                insert into reconciliation_drift (run_id, channel, sku, channel_figure, hub_figure, last_delivered,
                                                  last_delivered_at, cause)
                select :run, :channel, d.sku, d.channel_figure, d.hub_figure, d.last_delivered, d.last_delivered_at, d.cause
                from unnest(cast(:skus as text[]), cast(:channelFigures as int[]), cast(:hubFigures as int[]),
                            cast(:lastDelivered as int[]), cast(:lastDeliveredAt as timestamptz[]), cast(:causes as text[]))
                     as d(sku, channel_figure, hub_figure, last_delivered, last_delivered_at, cause)""",
                new MapSqlParameterSource("run", runId).addValue("channel", channel)
                        .addValue("skus", drifts.stream().map(NewDrift::sku).toArray(String[]::new))
                        .addValue("channelFigures", drifts.stream().map(NewDrift::channelFigure).toArray(Integer[]::new))
                        .addValue("hubFigures", drifts.stream().map(NewDrift::hubFigure).toArray(Integer[]::new))
                        .addValue("lastDelivered", drifts.stream().map(NewDrift::lastDelivered).toArray(Integer[]::new))
                        .addValue("lastDeliveredAt", drifts.stream()
                                .map(d -> d.lastDeliveredAt() == null ? null : d.lastDeliveredAt().toString()).toArray(String[]::new))
                        .addValue("causes", drifts.stream().map(d -> d.cause().name()).toArray(String[]::new)));
    }

    /** The corrective delivery of each drift of {@code runId}, by sku (in the caller's transaction). */
    public void repairing(long runId, String[] skus, Long[] deliveryIds) {
        jdbc.update("""
                update reconciliation_drift r set delivery_id = u.delivery_id
                from unnest(cast(:skus as text[]), cast(:ids as bigint[])) as u(sku, delivery_id)
                where r.run_id = :run and r.sku = u.sku""",
                new MapSqlParameterSource("run", runId).addValue("skus", skus).addValue("ids", deliveryIds));
    }

    /** A repaired drift: its channel and how long from finding it to the channel's acknowledgement of its figure. */
    public record Repaired(String channel, Instant foundAt, Instant repairedAt) {
    }

    /**
     * Marks repaired the drifts whose corrective delivery, or a newer figure of the same channel and sku, has been
     * delivered; returns them. Looks only at drifts still open (a partial index), so it costs nothing when all is settled.
     */
    public List<Repaired> settle() {
        return jdbc.query("""
                update reconciliation_drift r set repaired_at = s.delivered_at
                from (select o.id, (select min(d.delivered_at) from delivery d
                                    where d.dedupe_key = o.sku and d.channel = o.channel and d.kind = 'ATS'
                                      and d.status = 'DELIVERED' and d.id >= o.delivery_id) as delivered_at
                      from reconciliation_drift o where o.delivery_id is not null and o.repaired_at is null) s
                where r.id = s.id and s.delivered_at is not null
                returning r.channel, r.found_at, r.repaired_at""",
                new MapSqlParameterSource(),
                (rs, i) -> new Repaired(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant()));
    }

    /** Drifts found at a channel on one day (UTC), and how many of them are repaired. */
    public record DailyDrift(String channel, LocalDate day, int drifts, int repaired) {
    }

    /** Per channel and day over the last {@code window}, oldest first. */
    public List<DailyDrift> driftPerDay(Duration window) {
        return jdbc.query("""
                select channel, cast(found_at at time zone 'UTC' as date) as day, count(*) as drifts, count(repaired_at) as repaired
                from reconciliation_drift where found_at > now() - make_interval(secs => :window)
                group by 1, 2 order by 2, 1""",
                new MapSqlParameterSource("window", (double) window.toSeconds()),
                (rs, i) -> new DailyDrift(rs.getString(1), rs.getDate(2).toLocalDate(), rs.getInt(3), rs.getInt(4)));
    }

    /** Time to repair at a channel over the KPI window: drifts repaired, the mean and the longest, and drifts still open. */
    public record RepairTime(String channel, int repaired, Double meanSeconds, Double maxSeconds, int open) {
    }

    /** Per channel over the last {@code window}. */
    public List<RepairTime> repairTimes(Duration window) {
        return jdbc.query("""
                select channel, count(repaired_at) as repaired,
                       cast(avg(extract(epoch from repaired_at - found_at)) as double precision) as mean,
                       cast(max(extract(epoch from repaired_at - found_at)) as double precision) as max,
                       count(*) filter (where repaired_at is null and delivery_id is not null) as open
                from reconciliation_drift where found_at > now() - make_interval(secs => :window)
                group by channel order by channel""",
                new MapSqlParameterSource("window", (double) window.toSeconds()),
                (rs, i) -> new RepairTime(rs.getString(1), rs.getInt(2), (Double) rs.getObject(3), (Double) rs.getObject(4), rs.getInt(5)));
    }

    /** The drifts found at {@code channel} on {@code day} (UTC), in the order found. */
    public List<Drift> driftsOn(String channel, LocalDate day, int limit) {
        return jdbc.query(DRIFT_COLUMNS + """
                where channel = :channel and found_at >= cast(:day as date) at time zone 'UTC'
                  and found_at < (cast(:day as date) + 1) at time zone 'UTC'
                order by id limit :limit""",
                new MapSqlParameterSource("channel", channel).addValue("day", day.toString()).addValue("limit", limit), DRIFT);
    }

    public Optional<Run> find(long id) {
        return jdbc.query("select " + RUN_COLUMNS + " from reconciliation_run r where r.id = :id",
                new MapSqlParameterSource("id", id), RUN).stream().findFirst();
    }

    /** The latest runs, newest first, of one channel or all (null). */
    public List<Run> recent(String channel, int limit) {
        return jdbc.query("select " + RUN_COLUMNS + " from reconciliation_run r "
                        + "where (cast(:channel as text) is null or r.channel = :channel) order by r.id desc limit :limit",
                new MapSqlParameterSource("channel", channel).addValue("limit", limit), RUN);
    }

    /** A run's drifts, in the order found. */
    public List<Drift> drifts(long runId, int limit) {
        return jdbc.query(DRIFT_COLUMNS + "where run_id = :run order by id limit :limit",
                new MapSqlParameterSource("run", runId).addValue("limit", limit), DRIFT);
    }

    private static final String DRIFT_COLUMNS = """
            select id, run_id, channel, sku, channel_figure, hub_figure, last_delivered, last_delivered_at,
                   cast(extract(epoch from found_at - last_delivered_at) as bigint) as age, cause, found_at,
                   delivery_id, repaired_at
            from reconciliation_drift
            """;

    private static final RowMapper<Drift> DRIFT = (rs, i) -> new Drift(rs.getLong("id"), rs.getLong("run_id"),
            rs.getString("channel"), rs.getString("sku"), (Integer) rs.getObject("channel_figure"), rs.getInt("hub_figure"),
            (Integer) rs.getObject("last_delivered"), instant(rs.getTimestamp("last_delivered_at")), (Long) rs.getObject("age"),
            DriftCause.valueOf(rs.getString("cause")), instant(rs.getTimestamp("found_at")),
            (Long) rs.getObject("delivery_id"), instant(rs.getTimestamp("repaired_at")));

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null ? null : Arrays.asList((String[]) array.getArray());
    }

    private static final RowMapper<Run> RUN = (rs, i) -> new Run(rs.getLong("id"), rs.getString("channel"),
            strings(rs.getArray("skus")), (Integer) rs.getObject("skus_asked"), rs.getBoolean("report_only"), rs.getString("trigger"),
            Status.valueOf(rs.getString("status")), rs.getInt("pages"), rs.getInt("skus_read"), rs.getInt("in_flight"),
            rs.getInt("unknown_skus"), rs.getInt("drifts"), rs.getInt("repaired"), rs.getInt("repairing"),
            rs.getInt("rate_limited"), rs.getString("error"), instant(rs.getTimestamp("started_at")),
            instant(rs.getTimestamp("finished_at")));
}
