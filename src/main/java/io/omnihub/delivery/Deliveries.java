package io.omnihub.delivery;

import io.omnihub.canonical.AvailableToSell;
import io.omnihub.outbox.AfterCommit;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    /**
     * See {@link #enqueueAts(List)}: the pending rows of the given keys (the arrays: one element per channel and sku)
     * that nobody else holds, locked, skipping the ones a dispatcher is claiming or marking (those are in flight: not
     * ours to replace or supersede), so the enqueue never waits for a dispatcher and a dispatcher waiting for it cannot
     * close a deadlock; and for each, whether it is its key's newest pending row. The lookup runs once per key, by key
     * (the locking clause keeps the subquery from being flattened into a join: with the few rows the planner guesses
     * for an array it took every pending ATS row as the outer side and compared each with every key, 220,000
     * comparisons and half of a 200 ms statement for a pass of 500 figures at 500 stock events a second).
     */
    private static final String OWNED_ATS = """
            select p.id, p.channel, p.ordering_key,
                   p.attempts = 0 and p.last_error is null and p.claimed_until is null as untouched,
                   p.id = (select max(q.id) from delivery q where q.channel = p.channel and q.kind = 'ATS'
                             and q.ordering_key = p.ordering_key and q.status = 'PENDING') as newest
            from unnest(cast(:channels as text[]), cast(:skus as text[])) as i(channel, sku)
            cross join lateral (
                select d.id, d.channel, d.ordering_key, d.attempts, d.last_error, d.claimed_until from delivery d
                where d.channel = i.channel and d.kind = 'ATS' and d.ordering_key = i.sku and d.status = 'PENDING'
                  and (d.claimed_until is null or d.claimed_until < now())
                for update skip locked) p""";
    /**
     * What {@link #enqueueAts} decided, written in one statement (a round trip fewer each, in the stock change's
     * transaction): owned rows that take a new figure in place (they keep the date of the oldest change they reflect),
     * owned rows superseded, new rows in the input's order. The three parts touch different rows and do not join.
     */
    private static final String WRITE_ATS = """
            with replaced as (
                update delivery d set payload = cast(u.payload as jsonb), sequence = u.sequence,
                       event_at = least(d.event_at, u.event_at), updated_at = now()
                from unnest(cast(:replaceIds as bigint[]), cast(:replacePayloads as text[]),
                            cast(:replaceEventAts as timestamptz[]), cast(:replaceSequences as bigint[]))
                     as u(id, payload, event_at, sequence)
                where d.id = u.id),
            superseded as (
                update delivery set status = 'SUPERSEDED', updated_at = now(), claimed_until = null
                where id = any(cast(:supersededIds as bigint[])))
            insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, event_at, sequence)
            select channel, 'ATS', sku, sku, cast(payload as jsonb), 'PENDING', event_at, sequence
            from unnest(cast(:channels as text[]), cast(:skus as text[]), cast(:payloads as text[]),
                        cast(:eventAts as timestamptz[]), cast(:sequences as bigint[])) with ordinality
                 as i(channel, sku, payload, event_at, sequence, n)
            order by n""";
    /**
     * See {@link #enqueueOrderStatuses(List)}: the statuses of a poll in one statement; a status already owed or sent
     * (same channel and dedupe key), or twice in the input, is inserted once, in the input's order.
     */
    private static final String ENQUEUE_ORDER_STATUSES = """
            with input as (
                select * from unnest(cast(:channels as text[]), cast(:keys as text[]), cast(:orderings as text[]),
                                     cast(:payloads as text[]), cast(:eventAts as timestamptz[]))
                       with ordinality as i(channel, dedupe_key, ordering_key, payload, event_at, n))
            insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, event_at)
            select channel, 'ORDER_STATUS', dedupe_key, ordering_key, cast(payload as jsonb), 'PENDING', event_at
            from input order by n
            on conflict (channel, dedupe_key) where kind = 'ORDER_STATUS' do nothing
            returning channel, dedupe_key""";
    private final NamedParameterJdbcTemplate jdbc;
    /** Claims, DELIVERED marks, retries and DEAD: committed without waiting for the disk (see DeliveryBookkeeping). */
    private final NamedParameterJdbcTemplate bookkeeping;
    private final List<Consumer<Set<String>>> enqueuedListeners = new CopyOnWriteArrayList<>();
    private final Object enqueuedKey = new Object();

    public Deliveries(NamedParameterJdbcTemplate jdbc, DeliveryBookkeeping bookkeeping) {
        this.jdbc = jdbc;
        this.bookkeeping = bookkeeping.jdbc();
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
     * A new ATS figure to enqueue: the figure, its JSON and the time of the oldest change it reflects; {@code first}
     * when it is the first figure the channel is ever given for the sku (its {@code ats_state} row was created with
     * it, in the same transaction), so that no delivery of that channel and sku can exist to replace or supersede.
     */
    public record NewAts(AvailableToSell ats, String json, Instant changedAt, boolean first) {

        public NewAts(AvailableToSell ats, String json, Instant changedAt) {
            this(ats, json, changedAt, false);
        }
    }

    /**
     * Enqueues many new ATS figures (at most one per channel and sku) in the caller's transaction, in two statements
     * (the rows it owns, then what becomes of them; only the second when every figure is a {@link NewAts#first} one).
     * Where the channel still owes a figure for the sku that was never attempted (the dispatcher is behind), that
     * row takes the new figure in its place (it keeps the date of the oldest change it
     * now reflects); otherwise older undelivered figures not being sent right now are superseded and a row is
     * added. So under load a burst for one channel and sku costs one row, not one per figure. A row that was
     * attempted keeps its figure: its id is the webhook-id a receiver may have seen, which must not change meaning.
     */
    public void enqueueAts(List<NewAts> figures) {
        if (figures.isEmpty()) {
            return;
        }
        // a channel's first figure of a sku has no earlier row to look for (a file of new skus: every figure of it)
        List<NewAts> seenBefore = figures.stream().filter(f -> !f.first()).toList();
        Map<String, List<OwnedRow>> owned = new HashMap<>();
        if (!seenBefore.isEmpty()) {
            String[] keyChannels = seenBefore.stream().map(f -> f.ats().channel()).toArray(String[]::new);
            String[] keySkus = seenBefore.stream().map(f -> f.ats().sku()).toArray(String[]::new);
            jdbc.query(OWNED_ATS, new MapSqlParameterSource("channels", keyChannels).addValue("skus", keySkus), rs -> {
                OwnedRow row = new OwnedRow(rs.getLong("id"), rs.getBoolean("untouched"), rs.getBoolean("newest"));
                owned.computeIfAbsent(key(rs.getString("channel"), rs.getString("ordering_key")), k -> new ArrayList<>())
                        .add(row);
            });
        }
        List<Long> replaced = new ArrayList<>();
        List<NewAts> replacing = new ArrayList<>();
        List<Long> superseded = new ArrayList<>();
        List<NewAts> inserted = new ArrayList<>();
        for (NewAts f : figures) {
            List<OwnedRow> rows = owned.getOrDefault(key(f.ats().channel(), f.ats().sku()), List.of());
            Optional<OwnedRow> newest = rows.stream().filter(r -> r.newest() && r.untouched()).findFirst();
            if (newest.isPresent()) {
                // the dispatcher is behind: the figure it has not started on takes the new one
                replaced.add(newest.get().id());
                replacing.add(f);
            } else {
                // older figures nobody is sending are superseded; a row that was attempted keeps its figure (its id
                // is the webhook-id a receiver may have seen)
                rows.forEach(r -> superseded.add(r.id()));
                inserted.add(f);
            }
        }
        jdbc.update(WRITE_ATS, new MapSqlParameterSource("replaceIds", replaced.toArray(Long[]::new))
                .addValue("replacePayloads", replacing.stream().map(NewAts::json).toArray(String[]::new))
                .addValue("replaceEventAts", replacing.stream().map(Deliveries::eventAt).toArray(String[]::new))
                .addValue("replaceSequences", replacing.stream().map(f -> f.ats().sequence()).toArray(Long[]::new))
                .addValue("supersededIds", superseded.toArray(Long[]::new))
                .addValue("channels", inserted.stream().map(f -> f.ats().channel()).toArray(String[]::new))
                .addValue("skus", inserted.stream().map(f -> f.ats().sku()).toArray(String[]::new))
                .addValue("payloads", inserted.stream().map(NewAts::json).toArray(String[]::new))
                .addValue("eventAts", inserted.stream().map(Deliveries::eventAt).toArray(String[]::new))
                .addValue("sequences", inserted.stream().map(f -> f.ats().sequence()).toArray(Long[]::new)));
        figures.forEach(f -> enqueued(f.ats().channel()));
    }

    /** A pending row {@link #enqueueAts} holds: never attempted nor claimed ({@code untouched}), its key's newest. */
    private record OwnedRow(long id, boolean untouched, boolean newest) {
    }

    private static String key(String channel, String sku) {
        return channel + '\u0000' + sku;
    }

    /** As text: the driver sends a String[] as text[], which the statements cast. */
    private static String eventAt(NewAts f) {
        return f.changedAt() == null ? null : f.changedAt().toString();
    }

    /** An order status callback to enqueue: the channel, its dedupe and ordering keys, its JSON and time. */
    public record NewOrderStatus(String channel, String dedupeKey, String orderingKey, String json, Instant at) {
    }

    /**
     * Enqueues order status callbacks in the caller's transaction, in one statement; a status already owed or sent to
     * its channel (same dedupe key: a redelivered status) is left out. Returns how many were new.
     */
    public int enqueueOrderStatuses(List<NewOrderStatus> statuses) {
        if (statuses.isEmpty()) {
            return 0;
        }
        int n = statuses.size();
        String[] channels = new String[n];
        String[] keys = new String[n];
        String[] orderings = new String[n];
        String[] payloads = new String[n];
        String[] eventAts = new String[n];
        for (int i = 0; i < n; i++) {
            NewOrderStatus s = statuses.get(i);
            channels[i] = s.channel();
            keys[i] = s.dedupeKey();
            orderings[i] = s.orderingKey();
            payloads[i] = s.json();
            eventAts[i] = s.at() == null ? null : s.at().toString();
        }
        return jdbc.query(ENQUEUE_ORDER_STATUSES, new MapSqlParameterSource("channels", channels).addValue("keys", keys)
                        .addValue("orderings", orderings).addValue("payloads", payloads).addValue("eventAts", eventAts),
                (rs, i) -> {
                    enqueued(rs.getString(1));
                    return rs.getString(1);
                }).size();
    }

    /**
     * Claims up to {@code limit} due deliveries of {@code channel} for {@code leaseMs}, counting the attempt. Only the
     * oldest pending row of each ordering key can be claimed (and only while no dispatcher holds it), so one key's
     * rows go out in order. The channel's pending rows are read oldest first (index on channel and {@code id + 0} of
     * the pending rows: ordered by {@code id} itself, the planner may walk the primary key through the delivered
     * history instead, which it took for cheaper while its statistics lagged a growing backlog) and each is taken when it is due, unclaimed and no older row of its key is pending (a probe of the
     * pending-key index), until {@code limit}: the work is bounded by what is claimed (plus rows of keys that wait for
     * an older one, and rows not due), not by the backlog. Asking every key for its oldest row first had cost a read
     * of the whole backlog per claim: 10 ms a claim once a poll of order statuses left thousands of rows owed. The
     * rows are then locked, skipping rows another dispatcher or an enqueueing transaction holds, and re-checked
     * under the lock.
     */
    public List<Delivery> claim(String channel, int limit, long leaseMs) {
        return bookkeeping.query("""
                update delivery d set claimed_until = now() + :lease * interval '1 millisecond',
                       attempts = d.attempts + 1, updated_at = now()
                where d.id in (
                    select p.id from delivery p
                    where p.id = any(array(
                        select h.id from delivery h
                        where h.channel = :channel and h.status = 'PENDING' and h.next_attempt_at <= now()
                          and (h.claimed_until is null or h.claimed_until < now())
                          and not exists (
                              select 1 from delivery o
                              where o.channel = h.channel and o.kind = h.kind and o.ordering_key = h.ordering_key
                                and o.status = 'PENDING' and o.id < h.id)
                        order by h.id + 0 limit :limit))
                      and p.status = 'PENDING' and p.next_attempt_at <= now()
                      and (p.claimed_until is null or p.claimed_until < now())
                    for update skip locked)
                returning\s""" + COLUMNS,
                new MapSqlParameterSource("channel", channel).addValue("limit", limit).addValue("lease", leaseMs), MAPPER);
    }

    public void delivered(long id) {
        bookkeeping.update("update delivery set status = 'DELIVERED', delivered_at = now(), claimed_until = null, "
                + "last_error = null, updated_at = now() where id = :id and status = 'PENDING'", new MapSqlParameterSource("id", id));
    }

    /** Marks many (a feed file) delivered. */
    public void delivered(List<Long> ids) {
        if (!ids.isEmpty()) {
            bookkeeping.update("update delivery set status = 'DELIVERED', delivered_at = now(), claimed_until = null, "
                    + "last_error = null, updated_at = now() where id = any(:ids) and status = 'PENDING'",
                    // an array, not an expanded list: one statement text whatever the count, so it is planned once
                    new MapSqlParameterSource("ids", ids.toArray(new Long[0])));
        }
    }

    /**
     * Marks sent deliveries DELIVERED without waiting for a row another transaction holds, and returns the ids it is
     * done with (marked, or no longer pending); the caller tries the others again a moment later. A transaction that
     * enqueues figures can hold a row a pump has claimed and sent: its {@code FOR UPDATE SKIP LOCKED} finds the row
     * claimed only when it re-checks the row's newest version, and PostgreSQL keeps the lock it took for that check
     * until the transaction ends. Waiting for it kept a pump from claiming anything meanwhile.
     */
    public Set<Long> deliveredUnlessHeld(List<Long> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        Set<Long> done = new HashSet<>();
        bookkeeping.query("""
                with ready as (
                    select id from delivery where id = any(:ids) and status = 'PENDING' for update skip locked),
                marked as (
                    update delivery d set status = 'DELIVERED', delivered_at = now(), claimed_until = null,
                           last_error = null, updated_at = now()
                    from ready r where d.id = r.id
                    returning d.id)
                select id from marked
                union all
                select id from delivery where id = any(:ids) and status <> 'PENDING'""",
                new MapSqlParameterSource("ids", ids.toArray(new Long[0])), rs -> {
                    done.add(rs.getLong(1));
                });
        return done;
    }

    /** Claimed rows a dispatcher did not send go back as they were: unclaimed, the attempt the claim counted taken back. */
    public void unclaim(List<Long> ids) {
        bookkeeping.update("update delivery set claimed_until = null, attempts = attempts - 1, updated_at = now() "
                + "where id = any(:ids) and status = 'PENDING'", new MapSqlParameterSource("ids", ids.toArray(Long[]::new)));
    }

    public void dead(long id, String error) {
        bookkeeping.update("update delivery set status = 'DEAD', claimed_until = null, last_error = :error, updated_at = now() "
                + "where id = :id and status = 'PENDING'", new MapSqlParameterSource("id", id).addValue("error", truncate(error)));
    }

    /**
     * Schedules another attempt after {@code delayMs}, or, for an ATS figure that a newer one for the same channel
     * and sku already follows, supersedes it (the newer one is the truth). Returns the status the row now has. (The
     * newer row is looked for pending by the pending-key index and delivered by the delivered-figures index, on the
     * sku as dedupe key; one condition on both statuses matched neither index and took 210 ms under the sync figure.)
     */
    public Delivery.Status retryLater(Delivery d, long delayMs, String error, boolean countAttempt) {
        MapSqlParameterSource p = new MapSqlParameterSource("id", d.id()).addValue("error", truncate(error))
                .addValue("delay", delayMs).addValue("uncount", countAttempt ? 0 : 1);
        if (d.kind() == Delivery.Kind.ATS) {
            int superseded = bookkeeping.update("""
                    update delivery d set status = 'SUPERSEDED', claimed_until = null, last_error = :error, updated_at = now()
                    where d.id = :id and d.status = 'PENDING' and (
                        exists (select 1 from delivery n where n.channel = d.channel and n.kind = 'ATS'
                                  and n.ordering_key = d.ordering_key and n.status = 'PENDING' and n.id > d.id)
                        or exists (select 1 from delivery n where n.dedupe_key = d.dedupe_key and n.channel = d.channel
                                     and n.kind = 'ATS' and n.status = 'DELIVERED' and n.id > d.id))""", p);
            if (superseded > 0) {
                return Delivery.Status.SUPERSEDED;
            }
        }
        bookkeeping.update("""
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
