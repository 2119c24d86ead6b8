package io.omnihub.outbox;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes KAFKA outbox rows to Kafka, at least once and in id order. One relay thread per hub reads the pending
 * rows in batches, oldest first, hands each batch to the producer without waiting, reads the next batch while the
 * previous ones are on their way (up to {@code omnihub.outbox.relay-in-flight} batches), and marks a batch processed
 * once Kafka acknowledged all of it. No database transaction is open while it waits for Kafka: reading and marking
 * are each one autocommit statement. It is woken as soon as a writer commits ({@link #publish(long)}) and otherwise
 * looks every {@code omnihub.outbox.relay-interval-ms}, so what a crash or a Kafka outage left behind goes out when
 * things are back. A session advisory lock, held on the relay's own connection, lets one hub instance relay at a
 * time, which keeps the order of messages for one key across instances. Writers never wait for Kafka: once their
 * transaction has committed the message is durable in PostgreSQL. Consumers are idempotent, so the rare second
 * publish after a crash or a failed send has no second effect.
 */
@Component
public class KafkaOutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(KafkaOutboxRelay.class);
    /** Advisory lock key held by the instance that relays right now. */
    private static final long RELAY_LOCK = 0x6f6d6e6968756201L;

    private final NamedParameterJdbcTemplate jdbc;
    private final DataSource dataSource;
    private final Producer<String, String> producer;
    private final long intervalMs;
    private final int batch;
    private final int maxInFlight;
    private final Semaphore wakeUp = new Semaphore(0);
    /** Batches handed to the producer and not yet marked processed, oldest first. */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    private Connection lockConnection;
    private long lockCheckedNanos;
    /** When this instance took the relay lock (epoch ms): in the DEBUG line of each batch marked, see {@link #mark}. */
    private long lockedAtMillis;
    private volatile boolean running;
    private Thread thread;

    public KafkaOutboxRelay(NamedParameterJdbcTemplate jdbc, DataSource dataSource, Producer<String, String> producer,
                            @Value("${omnihub.outbox.relay-interval-ms:250}") long intervalMs,
                            @Value("${omnihub.outbox.relay-batch:500}") int batch,
                            @Value("${omnihub.outbox.relay-in-flight:4}") int maxInFlight) {
        this.jdbc = jdbc;
        this.dataSource = dataSource;
        this.producer = producer;
        this.intervalMs = intervalMs;
        this.batch = batch;
        this.maxInFlight = maxInFlight;
    }

    /**
     * A writer committed outbox row {@code outboxId}: have it published now rather than at the next interval.
     * Returns immediately; the row is already durable.
     */
    public boolean publish(long outboxId) {
        wakeUp.release();
        return true;
    }

    /** A batch on its way: its row ids and the producer's futures, one per row. */
    private record InFlight(List<Long> ids, List<Future<RecordMetadata>> sends) {
        boolean done() {
            return sends.stream().allMatch(Future::isDone);
        }
    }

    /**
     * Publishes every pending row, oldest first, pipelined; returns how many were sent and marked. Must run on the
     * relay's thread (or with the relay stopped).
     */
    public int publishPending() throws InterruptedException {
        if (!holdsRelayLock()) {
            return 0;
        }
        int total = 0;
        try {
            while (true) {
                List<Long> excluded = inFlight.stream().flatMap(f -> f.ids().stream()).toList();
                List<Row> rows = inFlight.size() >= maxInFlight ? List.of() : pending(excluded);
                if (!rows.isEmpty()) {
                    inFlight.addLast(send(rows));
                }
                // mark what Kafka has acknowledged; when nothing new could be read, wait for the oldest batch
                boolean waitForOldest = rows.isEmpty() || inFlight.size() >= maxInFlight;
                int marked = markAcknowledged(waitForOldest);
                total += marked;
                if (rows.isEmpty() && inFlight.isEmpty()) {
                    // caught up: let the lock go, so that another instance's relay (woken by its own commits) takes
                    // its turn, and a relay that can no longer publish is never the only one that may. A relay with a
                    // backlog keeps the lock, so this costs a lock round trip only when the relay is not the bottleneck.
                    closeLockConnection();
                    return total;
                }
                if (!running && rows.isEmpty()) {
                    // stopping: finish what is on its way, read nothing more
                    while (!inFlight.isEmpty()) {
                        total += markAcknowledged(true);
                    }
                    return total;
                }
            }
        } catch (RuntimeException e) {
            // a failed send or statement: forget what is on its way (its rows are still pending and are read again)
            abandonInFlight();
            throw e;
        }
    }

    private List<Row> pending(List<Long> excluded) {
        // rows of batches on their way are left out by id, not by a cursor: a row committed late with a lower id
        // (another writer's transaction) is still found. As a hashed subquery: "not (id = any(array))" compared each
        // pending row with every id in flight (up to relay-in-flight x relay-batch), 19 ms a read under a file's load
        return jdbc.query("select id, topic, msg_key, payload::text as payload from outbox "
                        + "where kind = 'KAFKA' and processed_at is null "
                        + "and id not in (select unnest(cast(:excluded as bigint[]))) order by id limit :batch",
                new MapSqlParameterSource("batch", batch).addValue("excluded", excluded.toArray(Long[]::new)), Row.MAPPER);
    }

    private InFlight send(List<Row> rows) {
        List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
        for (Row r : rows) {
            sends.add(producer.send(new ProducerRecord<>(r.topic(), r.key(), r.payload())));
        }
        return new InFlight(rows.stream().map(Row::id).toList(), sends);
    }

    /** Marks the acknowledged batches at the head of the pipeline processed; with {@code waitForOldest}, waits for the first. */
    private int markAcknowledged(boolean waitForOldest) throws InterruptedException {
        List<Long> ids = new ArrayList<>();
        boolean first = true;
        while (!inFlight.isEmpty() && (inFlight.peekFirst().done() || (first && waitForOldest))) {
            InFlight f = inFlight.peekFirst();
            for (Future<RecordMetadata> send : f.sends()) {
                try {
                    send.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    if (!ids.isEmpty()) {
                        mark(ids);
                    }
                    throw new IllegalStateException("Kafka send failed: " + e.getMessage(), e);
                }
            }
            ids.addAll(f.ids());
            inFlight.removeFirst();
            first = false;
        }
        if (!ids.isEmpty()) {
            mark(ids);
        }
        return ids.size();
    }

    private void mark(List<Long> ids) {
        jdbc.update("update outbox set processed_at = now() where id = any(:ids)",
                new MapSqlParameterSource("ids", ids.toArray(Long[]::new)));
        if (log.isDebugEnabled()) {
            // which instance relayed what, and since when it has held the relay lock (ScaleOutIT reads this line)
            log.debug("Relayed outbox rows {}..{} ({} rows) holding the relay lock from {} to {} (epoch ms)",
                    ids.stream().mapToLong(Long::longValue).min().orElse(0), ids.stream().mapToLong(Long::longValue).max().orElse(0),
                    ids.size(), lockedAtMillis, System.currentTimeMillis());
        }
    }

    private void abandonInFlight() {
        inFlight.clear();
    }

    /** Takes (or still holds) the relay's session advisory lock on its own connection; false while another instance has it. */
    private boolean holdsRelayLock() {
        try {
            // the lock lives as long as its connection: check that it is still there, once a second at most (a check
            // is a round trip, and the relay wakes after every commit)
            long now = System.nanoTime();
            if (lockConnection != null && now - lockCheckedNanos > TimeUnit.SECONDS.toNanos(1)) {
                lockCheckedNanos = now;
                if (!lockConnection.isValid(2)) {
                    closeLockConnection();
                }
            }
            if (lockConnection == null) {
                Connection c = dataSource.getConnection();
                c.setAutoCommit(true);
                try (PreparedStatement st = c.prepareStatement("select pg_try_advisory_lock(?)")) {
                    st.setLong(1, RELAY_LOCK);
                    try (ResultSet rs = st.executeQuery()) {
                        if (rs.next() && rs.getBoolean(1)) {
                            lockConnection = c;
                            lockedAtMillis = System.currentTimeMillis();
                            return true;
                        }
                    }
                }
                c.close();
                return false;
            }
            return true;
        } catch (SQLException e) {
            closeLockConnection();
            throw new IllegalStateException("cannot take the relay lock: " + e.getMessage(), e);
        }
    }

    /**
     * Gives the relay lock back and returns its connection to the pool. The lock belongs to the database session, which
     * the pool keeps open: without the unlock it would stay held by a pooled connection nobody relays with.
     */
    private void closeLockConnection() {
        if (lockConnection != null) {
            try (PreparedStatement st = lockConnection.prepareStatement("select pg_advisory_unlock(?)")) {
                st.setLong(1, RELAY_LOCK);
                st.execute();
            } catch (SQLException e) {
                // the session is gone, and its lock with it
            }
            try {
                lockConnection.close();
            } catch (SQLException e) {
                // gone already
            }
            lockConnection = null;
        }
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
        closeLockConnection();
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
