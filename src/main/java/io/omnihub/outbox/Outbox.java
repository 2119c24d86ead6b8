package io.omnihub.outbox;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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

    private final NamedParameterJdbcTemplate jdbc;
    private final List<Runnable> stockChangedListeners = new CopyOnWriteArrayList<>();
    private final Object stockChangedKey = new Object();

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

    /** Announces that the stock of {@code sku} changed; the sync recomputes what every channel may sell. */
    public void stockChanged(String sku) {
        jdbc.update("insert into outbox (kind, msg_key) values ('STOCK_CHANGED', :sku)",
                new MapSqlParameterSource("sku", sku));
        stockChangedInTransaction();
    }

    /**
     * Wakes the {@link #onStockChanged} listeners after the current transaction commits, for a writer that inserts
     * its STOCK_CHANGED rows itself (in a batch).
     */
    public void stockChangedInTransaction() {
        if (!stockChangedListeners.isEmpty()) {
            AfterCommit.once(stockChangedKey, () -> stockChangedListeners.forEach(Runnable::run));
        }
    }
}
