package io.omnihub.outbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The transactional outbox. Called inside the transaction of the change it announces, so the change and its
 * announcement commit or roll back together.
 */
@Component
public class Outbox {

    /** Publish the payload to a Kafka topic. */
    public static final String KAFKA = "KAFKA";
    /** Recompute available-to-sell for a sku (msg_key). */
    public static final String STOCK_CHANGED = "STOCK_CHANGED";

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final List<Runnable> stockChangedListeners = new CopyOnWriteArrayList<>();
    private final Object stockChangedKey = new Object();
    private final Object changedSkusKey = new Object();
    private final Object figuresAfterCommitKey = new Object();
    private volatile Consumer<Map<String, Instant>> recompute;

    public Outbox(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** {@code listener} runs after each transaction that announced stock changes commits (once per transaction). */
    public void onStockChanged(Runnable listener) {
        stockChangedListeners.add(listener);
    }

    /** Adds a message for {@code topic}; returns the outbox row id. Must run in the caller's transaction. */
    public long kafka(String topic, String key, String jsonPayload) {
        GeneratedKeyHolder keys = new GeneratedKeyHolder();
        jdbc.update("insert into outbox (kind, topic, msg_key, payload) values ('KAFKA', :topic, :key, cast(:payload as jsonb))",
                new MapSqlParameterSource().addValue("topic", topic).addValue("key", key).addValue("payload", jsonPayload),
                keys, new String[] {"id"});
        return keys.getKey().longValue();
    }

    /**
     * Adds messages for {@code topic} in one statement, in the given order (their ids rise in that order, so the relay
     * publishes them in it). Must run in the caller's transaction.
     */
    public void kafkaAll(String topic, List<String> keys, List<String> jsonPayloads) {
        if (keys.isEmpty()) {
            return;
        }
        jdbc.update("""
                insert into outbox (kind, topic, msg_key, payload)
                select 'KAFKA', :topic, m.key, cast(m.payload as jsonb)
                from unnest(cast(:keys as text[]), cast(:payloads as text[])) with ordinality as m(key, payload, n)
                order by m.n""",
                new MapSqlParameterSource("topic", topic).addValue("keys", keys.toArray(new String[0]))
                        .addValue("payloads", jsonPayloads.toArray(new String[0])));
    }

    /**
     * {@code recompute} works out, inside the transaction that changed the stock of some skus and just before it
     * commits, what every channel may sell of them (the inventory sync registers it). It gets the skus with the time
     * of their first change in the transaction, after every stock row the transaction locks is locked.
     */
    public Consumer<Map<String, Instant>> recomputeInTransaction(Consumer<Map<String, Instant>> recompute) {
        Consumer<Map<String, Instant>> before = this.recompute;
        this.recompute = recompute;
        // the one it replaces (a test puts a failing one in place for a moment)
        return before;
    }

    /**
     * In the current transaction, stock changes leave their figures to the sync's pass, which this hub wakes as soon as
     * the transaction commits, instead of recomputing them before it commits: for a writer whose transaction holds
     * locks other transactions of its kind wait for (a routing batch holds the stock rows of every sku of its poll),
     * where the recomputation would lengthen every wait, and where the sync's pass coalesces the figures of
     * consecutive transactions (a hot sku's figure once per pass, not once per batch).
     */
    public void figuresAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()
                && !TransactionSynchronizationManager.hasResource(figuresAfterCommitKey)) {
            TransactionSynchronizationManager.bindResource(figuresAfterCommitKey, Boolean.TRUE);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(figuresAfterCommitKey);
                }
            });
        }
    }

    /** Announces that the stock of {@code sku} changed: see {@link #stockChanged(Collection)}. */
    public void stockChanged(String sku) {
        stockChanged(List.of(sku));
    }

    /**
     * Announces that the stock of {@code skus} changed, in the caller's transaction: one STOCK_CHANGED row per sku
     * and transaction, however many changes the transaction made. Inside a transaction the figures of every channel
     * are recomputed just before it commits (see {@link #recomputeInTransaction}), so a stock change and the
     * deliveries it owes commit together, with no second transaction and no hand-over to another thread; the rows are
     * then written as processed, a record of the change. Should that recomputation fail (it runs in a savepoint), the
     * change still commits and its rows stay pending for the sync's own pass, which also takes the rows written
     * outside a transaction.
     */
    public void stockChanged(Collection<String> skus) {
        if (skus.isEmpty()) {
            return;
        }
        Consumer<Map<String, Instant>> recomputer = recompute;
        if (recomputer == null || !TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()
                || TransactionSynchronizationManager.hasResource(figuresAfterCommitKey)) {
            insertStockChanged(skus, false);
            wakeSyncAfterCommit();
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Instant> changed = (Map<String, Instant>) TransactionSynchronizationManager.getResource(changedSkusKey);
        if (changed == null) {
            Map<String, Instant> collected = new TreeMap<>();
            TransactionSynchronizationManager.bindResource(changedSkusKey, collected);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    recomputeBeforeCommit(recomputer, collected);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(changedSkusKey);
                }
            });
            changed = collected;
        }
        Instant now = Instant.now();
        for (String sku : skus) {
            changed.putIfAbsent(sku, now);
        }
    }

    private void recomputeBeforeCommit(Consumer<Map<String, Instant>> recomputer, Map<String, Instant> skus) {
        try {
            Savepoints.run(jdbc, () -> recomputer.accept(skus));
        } catch (RuntimeException e) {
            if (!Savepoints.rolledBack(e)) {
                // the transaction itself is broken (a lost connection): it fails as any of its statements would
                throw e;
            }
            // a stock change must not fail for its figures: the sync's pass recomputes them from the pending rows
            log.warn("Figures of {} skus not recomputed with their stock change, left to the sync's pass: {}", skus.size(),
                    e.toString());
            insertStockChanged(skus.keySet(), false);
            wakeSyncAfterCommit();
            return;
        }
        insertStockChanged(skus.keySet(), true);
    }

    private void insertStockChanged(Collection<String> skus, boolean processed) {
        jdbc.update("""
                insert into outbox (kind, msg_key, processed_at)
                select 'STOCK_CHANGED', sku, case when :processed then now() end
                from unnest(cast(:skus as text[])) as u(sku) order by sku""",
                new MapSqlParameterSource("skus", new TreeSet<>(skus).toArray(String[]::new)).addValue("processed", processed));
    }

    /** Wakes the {@link #onStockChanged} listeners after the current transaction commits (once per transaction). */
    private void wakeSyncAfterCommit() {
        if (!stockChangedListeners.isEmpty()) {
            AfterCommit.once(stockChangedKey, () -> stockChangedListeners.forEach(Runnable::run));
        }
    }
}
