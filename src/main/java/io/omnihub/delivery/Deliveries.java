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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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
    private final List<Consumer<Set<String>>> enqueuedListeners = new CopyOnWriteArrayList<>();
    private final Object enqueuedKey = new Object();

    public Deliveries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * {@code listener} runs after each transaction that enqueued deliveries commits (once per transaction), with the
     * channels it enqueued for.
     */
    public void onEnqueued(Consumer<Set<String>> listener) {
        enqueuedListeners.add(listener);
    }

    private void enqueued(String channel) {
        if (!enqueuedListeners.isEmpty()) {
            AfterCommit.collect(enqueuedKey, channel, channels -> enqueuedListeners.forEach(l -> l.accept(channels)));
        }
    }

    /**
     * Enqueues a new ATS figure in the caller's transaction and supersedes the channel's older undelivered figures
     * for the sku that no dispatcher is sending right now (one in flight finishes first; order is kept).
     */
    public long enqueueAts(AvailableToSell ats, String json, Instant changedAt) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", ats.channel()).addValue("sku", ats.sku());
        jdbc.update(SUPERSEDE_ATS, p);
        enqueued(ats.channel());
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
        figures.forEach(f -> enqueued(f.ats().channel()));
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
        enqueued(channel);
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
                    + "last_error = null, updated_at = now() where id = any(:ids) and status = 'PENDING'",
                    // an array, not an expanded list: one statement text whatever the count, so it is planned once
                    new MapSqlParameterSource("ids", ids.toArray(new Long[0])));
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

    /** What a replay did: the row asked for, the outcome, the row queued (when one was), and why, in words. */
    public record Replay(long id, ReplayOutcome outcome, Long queuedId, String message) {
    }

    /**
     * QUEUED: the dead row itself is sent again; REPLACED: a newer dead figure for the same channel and sku is sent
     * instead and this stale one is superseded; SUPERSEDED: a newer figure is already queued or delivered, nothing is
     * sent; NOT_FOUND and NOT_DEAD: refused.
     */
    public enum ReplayOutcome { QUEUED, REPLACED, SUPERSEDED, NOT_FOUND, NOT_DEAD }

    /**
     * Replays a DEAD delivery: the one replay of the hub, behind both {@code POST /api/deliveries/{id}/replay} and
     * the console. An order status goes out again as it is. An available-to-sell figure is never sent stale: the
     * newest figure for the same channel and sku is the one that goes out. When that newest one is already queued or
     * delivered, this row is marked SUPERSEDED and nothing is sent; when the newest is itself dead, it is queued
     * (fresh attempts, due now) and every older dead figure of the key, this one included, is marked SUPERSEDED.
     * Runs in the caller's transaction when there is one; the key's rows are locked so two replays cannot both send.
     */
    public Replay replay(long id) {
        List<Delivery> found = jdbc.query("select " + COLUMNS + " from delivery where id = :id for update",
                new MapSqlParameterSource("id", id), MAPPER);
        if (found.isEmpty()) {
            return new Replay(id, ReplayOutcome.NOT_FOUND, null, "no delivery " + id);
        }
        Delivery d = found.get(0);
        if (d.status() != Delivery.Status.DEAD) {
            return new Replay(id, ReplayOutcome.NOT_DEAD, null,
                    "delivery " + id + " is " + d.status() + ", only DEAD deliveries are replayed");
        }
        MapSqlParameterSource key = new MapSqlParameterSource("channel", d.channel()).addValue("key", d.orderingKey())
                .addValue("id", id);
        if (d.kind() == Delivery.Kind.ATS) {
            List<Delivery> newer = jdbc.query("select " + COLUMNS + " from delivery where channel = :channel and kind = 'ATS' "
                    + "and ordering_key = :key and id > :id and status <> 'SUPERSEDED' order by id desc for update", key, MAPPER);
            if (!newer.isEmpty()) {
                Delivery newest = newer.get(0);
                if (newest.status() != Delivery.Status.DEAD) {
                    supersedeDead(key, id, true);
                    return new Replay(id, ReplayOutcome.SUPERSEDED, null, "delivery " + newest.id() + " carries a newer figure for "
                            + d.channel() + " " + d.orderingKey() + " and is " + newest.status() + "; this stale one is not sent");
                }
                requeue(newest.id());
                supersedeDead(key.addValue("newest", newest.id()), newest.id(), false);
                return new Replay(id, ReplayOutcome.REPLACED, newest.id(), "delivery " + newest.id() + " with the newest figure for "
                        + d.channel() + " " + d.orderingKey() + " is queued instead; this stale one is superseded");
            }
        }
        requeue(id);
        return new Replay(id, ReplayOutcome.QUEUED, id, "queued again for " + d.channel());
    }

    private void requeue(long id) {
        List<String> channel = jdbc.queryForList("update delivery set status = 'PENDING', attempts = 0, next_attempt_at = now(), "
                + "claimed_until = null, updated_at = now() where id = :id and status = 'DEAD' returning channel",
                new MapSqlParameterSource("id", id), String.class);
        channel.forEach(this::enqueued);
    }

    /** Marks the key's dead ATS figures older than {@code below} (or up to and including it) SUPERSEDED. */
    private void supersedeDead(MapSqlParameterSource key, long below, boolean inclusive) {
        jdbc.update("update delivery set status = 'SUPERSEDED', claimed_until = null, updated_at = now() "
                + "where channel = :channel and kind = 'ATS' and ordering_key = :key and status = 'DEAD' and id "
                + (inclusive ? "<=" : "<") + " :below", key.addValue("below", below));
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
