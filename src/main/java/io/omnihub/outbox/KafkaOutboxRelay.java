package io.omnihub.outbox;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Publishes KAFKA outbox rows to Kafka, at least once and in id order. One relay thread per hub sends the
 * pending rows in batches, oldest first; it is woken as soon as a writer commits ({@link #publish(long)}) and
 * otherwise looks every {@code omnihub.outbox.relay-interval-ms}, so what a crash or a Kafka outage left
 * behind goes out when things are back. A transaction-scoped advisory lock lets one hub instance relay at a
 * time, which keeps the order of messages for one key across instances. Writers never wait for Kafka: once
 * their transaction has committed the message is durable in PostgreSQL. Consumers are idempotent, so the
 * rare second publish after a crash has no second effect.
 */
@Component
public class KafkaOutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaOutboxRelay.class);
    private static final int BATCH = 500;
    /** Advisory lock key held by the instance that relays right now. */
    private static final long RELAY_LOCK = 0x6f6d6e6968756201L;

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Producer<String, String> producer;
    private final long intervalMs;
    private final Semaphore wakeUp = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    public KafkaOutboxRelay(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, Producer<String, String> producer,
                            @Value("${omnihub.outbox.relay-interval-ms:250}") long intervalMs) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.producer = producer;
        this.intervalMs = intervalMs;
    }

    /**
     * A writer committed outbox row {@code outboxId}: have it published now rather than at the next interval.
     * Returns immediately; the row is already durable.
     */
    public boolean publish(long outboxId) {
        wakeUp.release();
        return true;
    }

    /** Publishes every pending row, oldest first; returns how many were sent. */
    public int publishPending() {
        int total = 0;
        int n;
        do {
            Integer sent = tx.execute(status -> {
                Boolean mine = jdbc.queryForObject("select pg_try_advisory_xact_lock(:key)",
                        new MapSqlParameterSource("key", RELAY_LOCK), Boolean.class);
                if (!Boolean.TRUE.equals(mine)) {
                    return 0;
                }
                long lockedAt = System.currentTimeMillis();
                List<Row> rows = jdbc.query("select id, topic, msg_key, payload::text as payload from outbox "
                                + "where kind = 'KAFKA' and processed_at is null order by id limit :batch",
                        new MapSqlParameterSource("batch", BATCH), Row.MAPPER);
                send(rows);
                if (!rows.isEmpty() && log.isDebugEnabled()) {
                    // which instance relayed what, and when it held the lock (the lock is released at the commit, later)
                    log.debug("Relayed outbox rows {}..{} ({} rows) holding the relay lock from {} to {} (epoch ms)",
                            rows.get(0).id(), rows.get(rows.size() - 1).id(), rows.size(), lockedAt, System.currentTimeMillis());
                }
                return rows.size();
            });
            n = sent == null ? 0 : sent;
            total += n;
        } while (n == BATCH && running);
        return total;
    }

    private void loop() {
        while (running) {
            try {
                wakeUp.tryAcquire(intervalMs, TimeUnit.MILLISECONDS);
                wakeUp.drainPermits();
                if (running) {
                    publishPending();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("Outbox relay could not publish, will retry: {}", e.getMessage());
                try {
                    Thread.sleep(Math.max(intervalMs, 1000));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void send(List<Row> rows) {
        if (rows.isEmpty()) {
            return;
        }
        try {
            List<Future<?>> sends = rows.stream()
                    .<Future<?>>map(r -> producer.send(new ProducerRecord<>(r.topic(), r.key(), r.payload())))
                    .toList();
            for (Future<?> f : sends) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (Exception e) {
            throw new IllegalStateException("Kafka send failed: " + e.getMessage(), e);
        }
        jdbc.update("update outbox set processed_at = now() where id in (:ids)",
                new MapSqlParameterSource("ids", rows.stream().map(Row::id).toList()));
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "omnihub-outbox-relay");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        wakeUp.release();
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(35));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts after the producer and database, stops before them. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    record Row(long id, String topic, String key, String payload) {
        static final org.springframework.jdbc.core.RowMapper<Row> MAPPER = (rs, i) ->
                new Row(rs.getLong("id"), rs.getString("topic"), rs.getString("msg_key"), rs.getString("payload"));
    }
}
