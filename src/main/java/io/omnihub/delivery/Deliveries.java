package io.omnihub.delivery;

import io.omnihub.canonical.AvailableToSell;
import io.omnihub.outbox.AfterCommit;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@code delivery} table: every figure and order status owed to a channel is a row, so nothing is lost across
 * restarts. Rows are sent oldest first per (channel, kind, ordering key); a row is claimed with a lease while one
 * dispatcher sends it; a newer ATS figure supersedes an undelivered older one for the same channel and sku.
 */
@Component
public class Deliveries {

    static final String COLUMNS = "id, channel, kind, dedupe_key, ordering_key, payload::text as payload, status, attempts, "
            + "next_attempt_at, last_error, created_at, delivered_at, event_at, sequence";

    private static final String SUPERSEDE_ATS = """
            update delivery set status = 'SUPERSEDED', updated_at = now(), claimed_until = null
            where channel = :channel and kind = 'ATS' and ordering_key = :sku and status = 'PENDING'
              and (claimed_until is null or claimed_until < now())""";
    private static final String INSERT = """
            insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, event_at, sequence)
            values (:channel, :kind, :key, :ordering, cast(:payload as jsonb), 'PENDING', :eventAt, :sequence)""";

    private final NamedParameterJdbcTemplate jdbc;
    private final List<Runnable> enqueuedListeners = new CopyOnWriteArrayList<>();
    private final Object enqueuedKey = new Object();

    public Deliveries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code listener} runs after each transaction that enqueued deliveries commits (once per transaction). */
    public void onEnqueued(Runnable listener) {
        enqueuedListeners.add(listener);
    }

    private void enqueued() {
        if (!enqueuedListeners.isEmpty()) {
            AfterCommit.once(enqueuedKey, () -> enqueuedListeners.forEach(Runnable::run));
        }
    }

    /**
     * Enqueues a new ATS figure in the caller's transaction and supersedes the channel's older undelivered figures
     * for the sku that no dispatcher is sending right now (one in flight finishes first; order is kept).
     */
    public long enqueueAts(AvailableToSell ats, String json, Instant changedAt) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", ats.channel()).addValue("sku", ats.sku());
        jdbc.update(SUPERSEDE_ATS, p);
        enqueued();
        return insert(ats.channel(), Delivery.Kind.ATS, ats.sku(), ats.sku(), json, changedAt, ats.sequence());
    }

    /** A new ATS figure to enqueue: the figure, its JSON and the time of the oldest change it reflects. */
    public record NewAts(AvailableToSell ats, String json, Instant changedAt) {
    }

    /**
     * Enqueues many new ATS figures (at most one per channel and sku) in the caller's transaction, as
     * {@link #enqueueAts(AvailableToSell, String, Instant)} does for one, in two batched statements.
     */
    public void enqueueAts(List<NewAts> figures) {
        if (figures.isEmpty()) {
            return;
        }
        MapSqlParameterSource[] supersede = new MapSqlParameterSource[figures.size()];
        MapSqlParameterSource[] insert = new MapSqlParameterSource[figures.size()];
        for (int i = 0; i < figures.size(); i++) {
            NewAts f = figures.get(i);
            supersede[i] = new MapSqlParameterSource("channel", f.ats().channel()).addValue("sku", f.ats().sku());
            insert[i] = new MapSqlParameterSource("channel", f.ats().channel()).addValue("kind", Delivery.Kind.ATS.name())
                    .addValue("key", f.ats().sku()).addValue("ordering", f.ats().sku()).addValue("payload", f.json())
                    .addValue("eventAt", f.changedAt() == null ? null : Timestamp.from(f.changedAt()))
                    .addValue("sequence", f.ats().sequence());
        }
        jdbc.batchUpdate(SUPERSEDE_ATS, supersede);
        jdbc.batchUpdate(INSERT, insert);
        enqueued();
    }

    /** Enqueues an order status callback in the caller's transaction; false when it is already there. */
    public boolean enqueueOrderStatus(String channel, String orderId, String dedupeKey, String json, Instant at) {
        Boolean exists = jdbc.queryForObject("select exists (select 1 from delivery where channel = :channel "
                        + "and kind = 'ORDER_STATUS' and dedupe_key = :key)",
                new MapSqlParameterSource("channel", channel).addValue("key", dedupeKey), Boolean.class);
        if (Boolean.TRUE.equals(exists)) {
            return false;
        }
        insert(channel, Delivery.Kind.ORDER_STATUS, dedupeKey, orderId, json, at, null);
        enqueued();
        return true;
    }

    private long insert(String channel, Delivery.Kind kind, String dedupeKey, String orderingKey, String json,
                        Instant eventAt, Long sequence) {
        GeneratedKeyHolder keys = new GeneratedKeyHolder();
        jdbc.update(INSERT,
                new MapSqlParameterSource("channel", channel).addValue("kind", kind.name()).addValue("key", dedupeKey)
                        .addValue("ordering", orderingKey).addValue("payload", json)
                        .addValue("eventAt", eventAt == null ? null : Timestamp.from(eventAt))
                        .addValue("sequence", sequence),
                keys, new String[] {"id"});
        return keys.getKey().longValue();
    }

    /**
     * Claims up to {@code limit} due deliveries of {@code channel} for {@code leaseMs}, counting the attempt. A row
     * is due when no older row with the same ordering key is still pending, so one key's rows go out in order.
     */
    public List<Delivery> claim(String channel, int limit, long leaseMs) {
        return jdbc.query("""
                update delivery d set claimed_until = now() + :lease * interval '1 millisecond',
                       attempts = d.attempts + 1, updated_at = now()
                where d.id in (
                    select p.id from delivery p
                    where p.channel = :channel and p.status = 'PENDING' and p.next_attempt_at <= now()
                      and (p.claimed_until is null or p.claimed_until < now())
                      and not exists (select 1 from delivery o where o.channel = p.channel and o.kind = p.kind
                                      and o.ordering_key = p.ordering_key and o.status = 'PENDING' and o.id < p.id)
                    order by p.id limit :limit
                    for update skip locked)
                returning\s""" + COLUMNS,
                new MapSqlParameterSource("channel", channel).addValue("limit", limit).addValue("lease", leaseMs), MAPPER);
    }

    public void delivered(long id) {
        jdbc.update("update delivery set status = 'DELIVERED', delivered_at = now(), claimed_until = null, "
                + "last_error = null, updated_at = now() where id = :id and status = 'PENDING'", new MapSqlParameterSource("id", id));
    }

    /** Marks many (a feed file) delivered. */
    public void delivered(List<Long> ids) {
        if (!ids.isEmpty()) {
            jdbc.update("update delivery set status = 'DELIVERED', delivered_at = now(), claimed_until = null, "
                    + "last_error = null, updated_at = now() where id in (:ids) and status = 'PENDING'",
                    new MapSqlParameterSource("ids", ids));
        }
    }

    public void dead(long id, String error) {
        jdbc.update("update delivery set status = 'DEAD', claimed_until = null, last_error = :error, updated_at = now() "
                + "where id = :id and status = 'PENDING'", new MapSqlParameterSource("id", id).addValue("error", truncate(error)));
    }

    /**
     * Schedules another attempt after {@code delayMs}, or, for an ATS figure that a newer one for the same channel
     * and sku already follows, supersedes it (the newer one is the truth). Returns the status the row now has.
     */
    public Delivery.Status retryLater(Delivery d, long delayMs, String error, boolean countAttempt) {
        MapSqlParameterSource p = new MapSqlParameterSource("id", d.id()).addValue("error", truncate(error))
                .addValue("delay", delayMs).addValue("uncount", countAttempt ? 0 : 1);
        if (d.kind() == Delivery.Kind.ATS) {
            int superseded = jdbc.update("""
                    update delivery d set status = 'SUPERSEDED', claimed_until = null, last_error = :error, updated_at = now()
                    where d.id = :id and d.status = 'PENDING' and exists (
                        select 1 from delivery n where n.channel = d.channel and n.kind = 'ATS'
                          and n.ordering_key = d.ordering_key and n.id > d.id and n.status in ('PENDING', 'DELIVERED'))""", p);
            if (superseded > 0) {
                return Delivery.Status.SUPERSEDED;
            }
        }
        jdbc.update("""
                update delivery set claimed_until = null, last_error = :error, attempts = attempts - :uncount,
                       next_attempt_at = now() + :delay * interval '1 millisecond', updated_at = now()
                where id = :id and status = 'PENDING'""", p);
        return Delivery.Status.PENDING;
    }

    public Optional<Delivery> find(long id) {
        return jdbc.query("select " + COLUMNS + " from delivery where id = :id", new MapSqlParameterSource("id", id), MAPPER)
                .stream().findFirst();
    }

    /** Deliveries by status and channel (either may be null), newest first. */
    public List<Delivery> list(Delivery.Status status, String channel, int limit) {
        return jdbc.query("select " + COLUMNS + " from delivery where (cast(:status as text) is null or status = :status) "
                        + "and (cast(:channel as text) is null or channel = :channel) order by id desc limit :limit",
                new MapSqlParameterSource("status", status == null ? null : status.name()).addValue("channel", channel)
                        .addValue("limit", limit), MAPPER);
    }

    /**
     * Puts a DEAD delivery back in the queue with fresh attempts. Refused (returns a reason) when it is not dead, or
     * when it is an ATS figure a newer figure for the same channel and sku has followed (it would be stale).
     */
    public Optional<String> replay(long id) {
        Optional<Delivery> found = find(id);
        if (found.isEmpty()) {
            return Optional.of("no delivery " + id);
        }
        Delivery d = found.get();
        if (d.status() != Delivery.Status.DEAD) {
            return Optional.of("delivery " + id + " is " + d.status() + ", only DEAD deliveries are replayed");
        }
        if (d.kind() == Delivery.Kind.ATS) {
            Long newer = jdbc.query("select max(id) from delivery where channel = :channel and kind = 'ATS' "
                            + "and ordering_key = :key and id > :id and status <> 'DEAD'",
                    new MapSqlParameterSource("channel", d.channel()).addValue("key", d.orderingKey()).addValue("id", id),
                    rs -> rs.next() ? (Long) rs.getObject(1) : null);
            if (newer != null) {
                return Optional.of("delivery " + id + " is stale: delivery " + newer + " carries a newer figure for "
                        + d.channel() + " " + d.orderingKey());
            }
        }
        int n = jdbc.update("update delivery set status = 'PENDING', attempts = 0, next_attempt_at = now(), claimed_until = null, "
                + "updated_at = now() where id = :id and status = 'DEAD'", new MapSqlParameterSource("id", id));
        if (n == 1) {
            enqueued();
        }
        return n == 1 ? Optional.empty() : Optional.of("delivery " + id + " changed meanwhile, try again");
    }

    private static String truncate(String s) {
        return s == null || s.length() <= 2000 ? s : s.substring(0, 2000);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    static final RowMapper<Delivery> MAPPER = (rs, i) -> new Delivery(rs.getLong("id"), rs.getString("channel"),
            Delivery.Kind.valueOf(rs.getString("kind")), rs.getString("dedupe_key"), rs.getString("ordering_key"),
            rs.getString("payload"), Delivery.Status.valueOf(rs.getString("status")), rs.getInt("attempts"),
            instant(rs.getTimestamp("next_attempt_at")), rs.getString("last_error"), instant(rs.getTimestamp("created_at")),
            instant(rs.getTimestamp("delivered_at")), instant(rs.getTimestamp("event_at")), (Long) rs.getObject("sequence"));
}
