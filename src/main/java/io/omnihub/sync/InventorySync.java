package io.omnihub.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.AvailableToSell;
import io.omnihub.channels.Channel;
import io.omnihub.channels.ChannelsProperties;
import io.omnihub.delivery.Deliveries;
import io.omnihub.outbox.Outbox;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every channel's available-to-sell figure in step with the ledger. A transaction that changes stock has the
 * figures of its skus recomputed just before it commits ({@link Outbox#recomputeInTransaction}): for every configured
 * channel that sells a sku, a figure that changed is recorded with the next sequence number and its delivery enqueued
 * (superseding an undelivered older figure), so the change and what it owes the channels commit together. Pending
 * STOCK_CHANGED outbox rows (a change made outside a transaction, or whose recomputation failed) are worked off by
 * passes of their own: each claims them (SKIP LOCKED, so several hubs share the work), coalesces them by sku and
 * recomputes the same way, in one transaction with marking the rows processed.
 * <p>
 * The figure for a channel is the sum over the channel's enabled nodes of max(0, on hand − reserved − safety stock)
 * (the stock row's safety stock, else the node's), after the channel's buffers ({@link Channel#rulesFor}). The {@code ats_state}
 * row of a channel and sku is locked while its figure is computed, so figures and sequences for one sku are
 * produced in the order of the stock they were read from.
 */
@Component("inventorySync")
public class InventorySync {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final SyncProperties props;
    private final ChannelsProperties channelConfig;
    private final Deliveries deliveries;
    private final ObjectMapper mapper;

    private final Semaphore wakeUp = new Semaphore(0);

    public InventorySync(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, SyncProperties props,
                         ChannelsProperties channelConfig, Deliveries deliveries, ObjectMapper mapper, Outbox outbox) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.props = props;
        this.channelConfig = channelConfig;
        this.deliveries = deliveries;
        this.mapper = mapper;
        // a stock change made in a transaction has its figures recomputed in that transaction, before it commits
        outbox.recomputeInTransaction(this::recompute);
        // a change left pending (written outside a transaction, or its recomputation failed) wakes the sync at once;
        // rows another hub left pending are found by polling
        outbox.onStockChanged(wakeUp::release);
    }

    /** One pass: processes up to a batch of pending stock changes; returns how many outbox rows it consumed. */
    public int drain() {
        Integer n = tx.execute(status -> {
            List<PendingChange> rows = jdbc.query("""
                    select id, msg_key, created_at from outbox
                    where kind = 'STOCK_CHANGED' and processed_at is null
                    order by id limit :batch for update skip locked""",
                    new MapSqlParameterSource("batch", props.batchSize()),
                    (rs, i) -> new PendingChange(rs.getLong(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
            if (rows.isEmpty()) {
                return 0;
            }
            // coalesce: one recomputation per sku, dated by its oldest change not yet reflected
            Map<String, Instant> skus = new TreeMap<>();
            for (PendingChange r : rows) {
                skus.merge(r.sku(), r.at(), (a, b) -> a.isBefore(b) ? a : b);
            }
            recompute(skus);
            jdbc.update("update outbox set processed_at = now() where id = any(:ids)",
                    new MapSqlParameterSource("ids", rows.stream().map(PendingChange::id).toArray(Long[]::new)));
            return rows.size();
        });
        return n == null ? 0 : n;
    }

    /**
     * What the {@code inventory-sync} timer calls: works off pending changes, one pass after the other while a pass
     * finds a full batch, and then, for up to {@code omnihub.sync.hold-ms}, waits for the next stock change committed
     * in this hub (it wakes the sync at once) or the poll interval (changes committed by another hub), and works
     * that off too. So a change is picked up within milliseconds instead of at the next timer tick, and the
     * route's thread still comes back now and then. Returns how many outbox rows it consumed.
     */
    public int drainBacklog() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(props.holdMs());
        int total = 0;
        while (true) {
            wakeUp.drainPermits();
            int n = drain();
            total += n;
            long left = until - System.nanoTime();
            if (left <= 0) {
                // back to the route now and then, backlog or not (the timer calls again at once)
                return total;
            }
            if (n >= props.batchSize()) {
                continue;
            }
            try {
                wakeUp.tryAcquire(Math.min(left, TimeUnit.MILLISECONDS.toNanos(props.pollIntervalMs())), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return total;
            }
        }
    }

    /** Drains until nothing is pending (used at start and by tests). */
    public void drainAll() {
        while (drain() > 0) {
            // keep going
        }
    }

    /** The figure for each channel that sells {@code sku} at one of its nodes, before buffers, by channel. */
    public Map<String, Integer> rawAvailable(String sku) {
        Map<String, Integer> result = new TreeMap<>();
        rawAvailable(List.of(sku), null).forEach((key, value) -> result.put(key.channel(), value));
        return result;
    }

    /**
     * Corrective figures of {@code channel} for {@code skus}, in the caller's transaction (the reconciliation's
     * repairs): the {@code ats_state} rows are locked in sku order (the sync's lock order, so the two cannot
     * deadlock), each figure is computed from the stock now and written with the next sequence, so the channel takes
     * it as newer than anything it has. Skus without a figure yet are left out. Dated {@code at}.
     */
    public List<AvailableToSell> correctiveFigures(String channel, List<String> skus, Instant at) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", channel).addValue("skus", skus.toArray(new String[0]));
        Map<String, Long> sequences = new TreeMap<>();
        jdbc.query("select sku, sequence from ats_state where channel = :channel and sku = any(:skus) order by sku for update",
                p, rs -> {
                    sequences.put(rs.getString(1), rs.getLong(2));
                });
        Map<String, Integer> figures = figuresNow(channel, sequences.keySet());
        List<AvailableToSell> corrected = new ArrayList<>();
        sequences.forEach((sku, sequence) -> corrected.add(new AvailableToSell(channel, sku, figures.get(sku), at, sequence + 1)));
        jdbc.update("""
                update ats_state a set available = u.figure, sequence = u.seq, updated_at = now()
                from unnest(cast(:skus as text[]), cast(:figures as int[]), cast(:seqs as bigint[])) as u(sku, figure, seq)
                where a.channel = :channel and a.sku = u.sku""",
                new MapSqlParameterSource("channel", channel)
                        .addValue("skus", corrected.stream().map(AvailableToSell::sku).toArray(String[]::new))
                        .addValue("figures", corrected.stream().map(AvailableToSell::available).toArray(Integer[]::new))
                        .addValue("seqs", corrected.stream().map(AvailableToSell::sequence).toArray(Long[]::new)));
        return corrected;
    }

    /**
     * The figure {@code channel} should show now for each of {@code skus}: computed from the stock as a sync pass
     * does, after the channel's buffers (zero where none of its nodes holds the sku). For the reconciliation's repairs.
     */
    public Map<String, Integer> figuresNow(String channel, Collection<String> skus) {
        Channel config = channelConfig.channel(channel);
        Map<String, Integer> result = new TreeMap<>();
        Map<Key, Integer> raw = rawAvailable(skus, List.of(channel));
        for (String sku : skus) {
            int available = raw.getOrDefault(new Key(channel, sku), 0);
            result.put(sku, config == null ? available : config.rulesFor(sku).apply(available));
        }
        return result;
    }

    /** A channel and a sku. */
    record Key(String channel, String sku) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = sku.compareTo(o.sku);
            return c != 0 ? c : channel.compareTo(o.channel);
        }
    }

    /** The figure before buffers of every (channel, sku) pair where the channel sells the sku; channels limited to {@code channels} unless null. */
    private Map<Key, Integer> rawAvailable(Collection<String> skus, Collection<String> channels) {
        Map<Key, Integer> result = new TreeMap<>();
        jdbc.query("""
                select cn.channel_id, s.sku,
                       coalesce(sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock)))
                                filter (where n.enabled), 0) as available
                from channel_node cn
                join node n on n.id = cn.node_id
                join stock s on s.node_id = cn.node_id
                where s.sku = any(:skus) and (cast(:all as boolean) or cn.channel_id = any(:channels))
                group by cn.channel_id, s.sku""",
                new MapSqlParameterSource("skus", skus.toArray(new String[0])).addValue("all", channels == null)
                        .addValue("channels", channels == null ? new String[0] : channels.toArray(new String[0])),
                rs -> {
                    result.put(new Key(rs.getString(1), rs.getString(2)), rs.getInt(3));
                });
        return result;
    }

    /**
     * Recomputes every configured channel's figure of {@code skus} with a fixed number of statements, whatever the
     * number of skus and channels: the existing {@code ats_state} rows are locked (in sku, channel order, so two hubs
     * cannot deadlock), the stock is read after the locks are held (so a figure is never computed from older stock than
     * the figure before it), a pair never told before is inserted with its first figure (its insert holds it against
     * every other writer until this commits; one another transaction created meanwhile is locked and its stock read
     * again), and the changed figures are written and enqueued in batches.
     */
    private void recompute(Map<String, Instant> skus) {
        List<String> channels = List.copyOf(channelConfig.withSink());
        if (channels.isEmpty()) {
            return;
        }
        // arrays, not expanded lists: one statement text whatever the number of skus, so each is planned once
        MapSqlParameterSource p = new MapSqlParameterSource("skus", skus.keySet().toArray(new String[0]))
                .addValue("channels", channels.toArray(new String[0]));
        Map<Key, Shown> last = new HashMap<>();
        jdbc.query("""
                select channel, sku, available, sequence from ats_state
                where sku = any(:skus) and channel = any(:channels)
                order by sku, channel for update""", p,
                rs -> {
                    last.put(new Key(rs.getString(1), rs.getString(2)), new Shown(rs.getInt(3), rs.getLong(4)));
                });
        Map<Key, Integer> raw = rawAvailable(skus.keySet(), channels);
        // a pair never told before is inserted with its first figure (not at zero and then updated: a file of new skus
        // wrote each of its rows twice); one that another transaction created meanwhile is locked and read as it is now
        List<Key> missing = raw.keySet().stream().filter(k -> !last.containsKey(k)).toList();
        Set<Key> inserted = new HashSet<>();
        if (!missing.isEmpty()) {
            int[] firsts = missing.stream().mapToInt(k -> figure(k, raw.get(k))).toArray();
            jdbc.query("""
                    insert into ats_state (channel, sku, available, sequence)
                    select channel, sku, figure, 1
                    from unnest(cast(:channels as text[]), cast(:skus as text[]), cast(:figures as int[])) as u(channel, sku, figure)
                    order by sku, channel
                    on conflict (channel, sku) do nothing
                    returning channel, sku""",
                    new MapSqlParameterSource("channels", missing.stream().map(Key::channel).toArray(String[]::new))
                            .addValue("skus", missing.stream().map(Key::sku).toArray(String[]::new))
                            .addValue("figures", java.util.Arrays.stream(firsts).boxed().toArray(Integer[]::new)),
                    rs -> {
                        inserted.add(new Key(rs.getString(1), rs.getString(2)));
                    });
            List<Key> raced = missing.stream().filter(k -> !inserted.contains(k)).toList();
            if (!raced.isEmpty()) {
                // created by another transaction after the read above (the insert waited for it to commit): locked now,
                // and the stock read again under the lock, so the figure is never older than the one that transaction sent
                raced.forEach(k -> last.put(k, lockOne(k)));
                Map<Key, Integer> again = rawAvailable(raced.stream().map(Key::sku).collect(java.util.stream.Collectors.toSet()),
                        raced.stream().map(Key::channel).collect(java.util.stream.Collectors.toSet()));
                raced.forEach(k -> raw.put(k, again.getOrDefault(k, 0)));
            }
        }
        List<Deliveries.NewAts> changed = new ArrayList<>();
        List<Key> updated = new ArrayList<>();
        List<Integer> figures = new ArrayList<>();
        List<Long> sequences = new ArrayList<>();
        Instant now = Instant.now();
        for (Map.Entry<Key, Integer> e : raw.entrySet()) {
            Key key = e.getKey();
            int figure = figure(key, e.getValue());
            if (inserted.contains(key)) {
                AvailableToSell ats = new AvailableToSell(key.channel(), key.sku(), figure, now, 1);
                changed.add(new Deliveries.NewAts(ats, json(ats), skus.get(key.sku()), true));
                continue;
            }
            Shown state = last.get(key);
            long sequence = state.sequence();
            if (sequence > 0 && state.available() == figure) {
                continue;
            }
            long next = sequence + 1;
            updated.add(key);
            figures.add(figure);
            sequences.add(next);
            AvailableToSell ats = new AvailableToSell(key.channel(), key.sku(), figure, now, next);
            changed.add(new Deliveries.NewAts(ats, json(ats), skus.get(key.sku())));
        }
        if (changed.isEmpty()) {
            return;
        }
        if (!updated.isEmpty()) {
            jdbc.update("""
                update ats_state a set available = u.figure, sequence = u.seq, updated_at = now()
                from unnest(cast(:channels as text[]), cast(:skus as text[]), cast(:figures as int[]), cast(:seqs as bigint[]))
                     as u(channel, sku, figure, seq)
                where a.channel = u.channel and a.sku = u.sku""",
                new MapSqlParameterSource("channels", updated.stream().map(Key::channel).toArray(String[]::new))
                        .addValue("skus", updated.stream().map(Key::sku).toArray(String[]::new))
                        .addValue("figures", figures.toArray(new Integer[0]))
                        .addValue("seqs", sequences.toArray(new Long[0])));
        }
        deliveries.enqueueAts(changed);
    }

    /** The figure {@code key}'s channel shows of {@code raw} units, after its buffers. */
    private int figure(Key key, int raw) {
        return channelConfig.channel(key.channel()).rulesFor(key.sku()).apply(raw);
    }

    /** A STOCK_CHANGED outbox row not yet worked off: its id, its sku and when the change was made. */
    private record PendingChange(long id, String sku, Instant at) {
    }

    /** What a channel was last told of a sku: the figure and its sequence (0: nothing yet). */
    private record Shown(int available, long sequence) {
    }

    private Shown lockOne(Key key) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", key.channel()).addValue("sku", key.sku());
        jdbc.update("insert into ats_state (channel, sku, available, sequence) values (:channel, :sku, 0, 0) "
                + "on conflict (channel, sku) do nothing", p);
        return jdbc.queryForObject("select available, sequence from ats_state where channel = :channel and sku = :sku for update",
                p, (rs, i) -> new Shown(rs.getInt(1), rs.getLong(2)));
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
