package io.omnihub.outbox;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Publishes KAFKA outbox rows to Kafka, at least once and in id order per key: right after the writing
 * transaction commits ({@link #publish(long)}) and, for anything left over (Kafka was down, the hub was
 * killed), on a short schedule. Rows are claimed with SKIP LOCKED, so several hub instances share the work.
 * Consumers are idempotent, so the rare second publish after a crash has no second effect.
 */
@Component
public class KafkaOutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(KafkaOutboxRelay.class);
    private static final int BATCH = 500;

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Producer<String, String> producer;

    public KafkaOutboxRelay(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, Producer<String, String> producer) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.producer = producer;
    }

    /** Publishes one committed row now, if no other relay holds it. Returns true when it is on Kafka. */
    public boolean publish(long outboxId) {
        Boolean done = tx.execute(status -> {
            List<Row> rows = jdbc.query("select id, topic, msg_key, payload::text as payload from outbox "
                            + "where id = :id and processed_at is null for update skip locked",
                    new MapSqlParameterSource("id", outboxId), Row.MAPPER);
            if (rows.isEmpty()) {
                return false;
            }
            send(rows);
            return true;
        });
        return Boolean.TRUE.equals(done);
    }

    /** Publishes every pending row, oldest first. */
    @Scheduled(fixedDelayString = "${omnihub.outbox.relay-interval-ms:250}")
    public void publishPending() {
        try {
            int n;
            do {
                Integer sent = tx.execute(status -> {
                    List<Row> rows = jdbc.query("select id, topic, msg_key, payload::text as payload from outbox "
                                    + "where kind = 'KAFKA' and processed_at is null order by id limit :batch for update skip locked",
                            new MapSqlParameterSource("batch", BATCH), Row.MAPPER);
                    send(rows);
                    return rows.size();
                });
                n = sent == null ? 0 : sent;
            } while (n == BATCH);
        } catch (RuntimeException e) {
            log.warn("Outbox relay could not publish, will retry: {}", e.getMessage());
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
        } catch (Exception e) {
            throw new IllegalStateException("Kafka send failed: " + e.getMessage(), e);
        }
        jdbc.update("update outbox set processed_at = now() where id in (:ids)",
                new MapSqlParameterSource("ids", rows.stream().map(Row::id).toList()));
    }

    record Row(long id, String topic, String key, String payload) {
        static final org.springframework.jdbc.core.RowMapper<Row> MAPPER = (rs, i) ->
                new Row(rs.getLong("id"), rs.getString("topic"), rs.getString("msg_key"), rs.getString("payload"));
    }
}
