package io.omnihub.housekeeping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;

/**
 * Keeps the two tables that grow with every stock change from growing for ever: deliveries that are finished
 * (DELIVERED or SUPERSEDED) and outbox rows that were processed, once older than their retention
 * ({@code omnihub.retention.deliveries}, default 30 days; {@code omnihub.retention.outbox}, default 7 days). What an
 * operator may still need is kept whatever its age: DEAD and PENDING deliveries, unprocessed outbox rows, and the
 * last figure each channel received for each sku (the console's stock page shows it). Deleted in batches of
 * {@code omnihub.retention.batch} rows, each its own short transaction, every {@code omnihub.retention.interval-ms}.
 * Ledger entries (the stock history) and idempotency keys are not touched.
 */
@Component
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final Duration deliveries;
    private final Duration outbox;
    private final int batch;

    /** How many rows one run removed. */
    public record Purged(long deliveries, long outbox) {
    }

    public Retention(NamedParameterJdbcTemplate jdbc,
                     @Value("${omnihub.retention.deliveries:30d}") Duration deliveries,
                     @Value("${omnihub.retention.outbox:7d}") Duration outbox,
                     @Value("${omnihub.retention.batch:5000}") int batch) {
        this.jdbc = jdbc;
        this.deliveries = deliveries;
        this.outbox = outbox;
        this.batch = batch;
    }

    @Scheduled(fixedDelayString = "${omnihub.retention.interval-ms:600000}", initialDelayString = "${omnihub.retention.interval-ms:600000}")
    public void scheduled() {
        try {
            Purged p = purge();
            if (p.deliveries() > 0 || p.outbox() > 0) {
                log.info("Retention: removed {} finished deliveries older than {} and {} processed outbox rows older than {}",
                        p.deliveries(), deliveries, p.outbox(), outbox);
            }
        } catch (RuntimeException e) {
            log.warn("Retention run failed (tried again at the next interval): {}", e.toString());
        }
    }

    /** Removes what is past its retention now. */
    public Purged purge() {
        MapSqlParameterSource d = new MapSqlParameterSource("seconds", deliveries.toSeconds()).addValue("batch", batch);
        long removedDeliveries = 0;
        for (int n; (n = jdbc.update("""
                delete from delivery where id in (
                    select d.id from delivery d
                    where d.status in ('DELIVERED', 'SUPERSEDED') and d.updated_at < now() - :seconds * interval '1 second'
                      -- the newest figure a channel received for a sku stays
                      and not (d.kind = 'ATS' and d.status = 'DELIVERED' and not exists (
                          select 1 from delivery n where n.kind = 'ATS' and n.status = 'DELIVERED'
                            and n.dedupe_key = d.dedupe_key and n.channel = d.channel and n.id > d.id))
                    order by d.id limit :batch)""", d)) > 0; ) {
            removedDeliveries += n;
        }
        MapSqlParameterSource o = new MapSqlParameterSource("seconds", outbox.toSeconds()).addValue("batch", batch);
        long removedOutbox = 0;
        for (int n; (n = jdbc.update("""
                delete from outbox where id in (
                    select id from outbox where processed_at < now() - :seconds * interval '1 second'
                    order by id limit :batch)""", o)) > 0; ) {
            removedOutbox += n;
        }
        return new Purged(removedDeliveries, removedOutbox);
    }
}
