package io.omnihub.reconciliation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.AvailableToSell;
import io.omnihub.channels.ChannelsProperties;
import io.omnihub.channels.ReadBack;
import io.omnihub.cyclecount.CycleCountProperties;
import io.omnihub.cyclecount.CycleCounts;
import io.omnihub.delivery.Deliveries;
import io.omnihub.inventory.CountTrigger;
import io.omnihub.sync.InventorySync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One reconciliation run of one channel: pages through the channel's read-back (small pages, at most one every
 * {@code min-page-interval-ms}, waiting as long as a 429's Retry-After says), compares each sku with the figure
 * the hub says the channel should show ({@code ats_state}) and with the last one it delivered, and records a drift
 * per difference with its cause. Unless the run is report-only, each page's drifts are repaired in the page's
 * transaction: the figure is computed again from the stock, given the next sequence and enqueued as an ordinary
 * delivery (signed, retried, superseded by newer figures, listed in {@code /api/deliveries}). A sku with a figure
 * still on its way to the channel is not a drift: that delivery settles it. Runs on the reconciliation's own
 * thread; it reads the delivery table through its indexes and locks only the {@code ats_state} rows of the drifts
 * it repairs, for the length of a page's transaction, so live deliveries go on meanwhile.
 */
@Component
public class Reconciler {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    /**
     * Per sku of a page: the channel's figure, the hub's, whether a newer figure is still on its way, the last figure
     * the channel acknowledged, and whether the channel's figure is one the hub delivered before that.
     * Only the rows that differ, or that the hub does not know, come back.
     */
    private static final String COMPARE = """
            with page as (
                select * from unnest(cast(:skus as text[]), cast(:figures as int[])) as p(sku, figure))
            select p.sku, p.figure as channel_figure, a.available as hub_figure,
                   exists (select 1 from delivery q where q.channel = :channel and q.kind = 'ATS'
                             and q.ordering_key = p.sku and q.status = 'PENDING') as in_flight,
                   ld.figure as last_delivered, ld.delivered_at as last_delivered_at,
                   ld.id is not null and p.figure is not null and exists (
                       select 1 from delivery e where e.dedupe_key = p.sku and e.channel = :channel and e.kind = 'ATS'
                         and e.status = 'DELIVERED' and e.id < ld.id
                         and cast(e.payload ->> 'available' as int) = p.figure) as older_figure
            from page p
            left join ats_state a on a.channel = :channel and a.sku = p.sku
            left join lateral (
                select d.id, cast(d.payload ->> 'available' as int) as figure, d.delivered_at from delivery d
                where d.dedupe_key = p.sku and d.channel = :channel and d.kind = 'ATS' and d.status = 'DELIVERED'
                order by d.delivered_at desc, d.id desc limit 1) ld on true
            where a.sku is null or a.available is distinct from coalesce(p.figure, 0)""";

    private final ReconciliationProperties props;
    private final ChannelsProperties channels;
    private final Reconciliations reconciliations;
    private final ChannelReadBack readBack;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final InventorySync sync;
    private final Deliveries deliveries;
    private final ObjectMapper mapper;
    private final ReconciliationMetrics metrics;
    private final CycleCounts cycleCounts;
    private final CycleCountProperties countProps;

    public Reconciler(ReconciliationProperties props, ChannelsProperties channels, Reconciliations reconciliations,
                      ChannelReadBack readBack, NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, InventorySync sync,
                      Deliveries deliveries, ObjectMapper mapper, ReconciliationMetrics metrics, CycleCounts cycleCounts,
                      CycleCountProperties countProps) {
        this.props = props;
        this.channels = channels;
        this.reconciliations = reconciliations;
        this.readBack = readBack;
        this.jdbc = jdbc;
        this.tx = tx;
        this.sync = sync;
        this.deliveries = deliveries;
        this.mapper = mapper;
        this.metrics = metrics;
        this.cycleCounts = cycleCounts;
        this.countProps = countProps;
    }

    /** What one page or pass found. */
    private record Counts(int inFlight, int unknown, int drifts) {
    }

    /** Runs reconciliation {@code runId} to its end (COMPLETED or FAILED). */
    public void run(long runId) {
        Reconciliations.Run run = reconciliations.find(runId).orElseThrow();
        ReadBack channel = channels.readBack(run.channel());
        try {
            if (channel == null) {
                reconciliations.started(runId);
                throw new IllegalStateException("channel " + run.channel() + " has no read-back route");
            }
            // one run of a channel at a time, across instances: wait for the running one (a stopped hub's is
            // abandoned after five minutes without a heartbeat)
            while (!reconciliations.started(runId)) {
                reconciliations.waiting(runId);
                reconciliations.abandonStale();
                Thread.sleep(1000);
            }
            int pageSize = channel.pageSize() != null ? channel.pageSize() : props.pageSize();
            Set<String> wanted = run.skus() == null ? null : new HashSet<>(run.skus());
            Set<String> seen = new HashSet<>();
            String cursor = null;
            long lastRequest = 0;
            do {
                int rateLimited = 0;
                int failures = 0;
                ChannelReadBack.Page page = null;
                while (page == null) {
                    lastRequest = pace(lastRequest);
                    try {
                        page = readBack.read(channel.route(), run.channel(), cursor, pageSize, 1000);
                    } catch (ChannelReadBack.RateLimited limited) {
                        // the channel's own limit: wait as it says, without counting it as a failure
                        if (++rateLimited > props.maxRateLimited()) {
                            throw new IllegalStateException("the channel answered 429 " + rateLimited + " times in a row");
                        }
                        reconciliations.progress(runId, 0, 0, 0, 0, 0, 1);
                        Thread.sleep(Math.min(limited.waitMs(), props.maxWaitMs()));
                    } catch (RuntimeException e) {
                        if (++failures >= props.maxPageAttempts()) {
                            throw e;
                        }
                        log.info("Reconciliation {} of {}: page failed (attempt {} of {}): {}", runId, run.channel(),
                                failures, props.maxPageAttempts(), e.getMessage());
                        Thread.sleep(Math.min(500L << failures, props.maxWaitMs()));
                    }
                }
                List<ChannelReadBack.Figure> items = wanted == null ? page.items()
                        : page.items().stream().filter(f -> wanted.contains(f.sku())).toList();
                items.forEach(f -> seen.add(f.sku()));
                Counts counts = compare(run, channel, items.stream().map(ChannelReadBack.Figure::sku).toList(),
                        items.stream().map(ChannelReadBack.Figure::available).toList());
                reconciliations.progress(runId, 1, page.items().size(), counts.inFlight(), counts.unknown(), counts.drifts(), 0);
                if (page.next() != null && page.next().equals(cursor)) {
                    throw new IllegalStateException("the channel answered the same cursor twice: " + cursor);
                }
                cursor = page.next();
            } while (cursor != null);
            // what the channel does not list at all, though the hub says it should show a figure
            List<String> missing = missing(run.channel(), wanted, seen);
            for (int from = 0; from < missing.size(); from += pageSize) {
                List<String> skus = missing.subList(from, Math.min(missing.size(), from + pageSize));
                List<Integer> none = new ArrayList<>();
                skus.forEach(s -> none.add(null));
                Counts counts = compare(run, channel, skus, none);
                reconciliations.progress(runId, 0, 0, counts.inFlight(), 0, counts.drifts(), 0);
            }
            reconciliations.finished(runId, Reconciliations.Status.COMPLETED, null);
            metrics.run(run.channel(), "completed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reconciliations.finished(runId, Reconciliations.Status.FAILED, "interrupted: the hub is stopping");
            metrics.run(run.channel(), "failed");
        } catch (RuntimeException e) {
            log.warn("Reconciliation {} of {} failed: {}", runId, run.channel(), e.toString());
            reconciliations.finished(runId, Reconciliations.Status.FAILED, e.getMessage());
            metrics.run(run.channel(), "failed");
        }
    }

    /** Waits until the least interval between two page requests has passed; returns the time of this request. */
    private long pace(long lastRequest) throws InterruptedException {
        long wait = lastRequest + props.minPageIntervalMs() - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        return System.currentTimeMillis();
    }

    /** The skus the hub says the channel should show a figure of (above zero) that the read-back did not list. */
    private List<String> missing(String channel, Set<String> wanted, Set<String> seen) {
        List<String> missing = new ArrayList<>();
        if (wanted != null) {
            wanted.stream().filter(s -> !seen.contains(s)).sorted().forEach(missing::add);
            return missing;
        }
        jdbc.query("select sku from ats_state where channel = :channel and available > 0 order by sku",
                new MapSqlParameterSource("channel", channel), rs -> {
                    String sku = rs.getString(1);
                    if (!seen.contains(sku)) {
                        missing.add(sku);
                    }
                });
        return missing;
    }

    /** Compares one page, records its drifts and, unless report-only, repairs them, in one transaction. */
    private Counts compare(Reconciliations.Run run, ReadBack channel, List<String> skus,
                           List<Integer> figures) {
        if (skus.isEmpty()) {
            return new Counts(0, 0, 0);
        }
        return tx.execute(status -> {
            int inFlight = 0;
            int unknown = 0;
            List<Reconciliations.NewDrift> drifts = new ArrayList<>();
            for (Map<String, Object> row : jdbc.queryForList(COMPARE, new MapSqlParameterSource("channel", run.channel())
                    .addValue("skus", skus.toArray(new String[0])).addValue("figures", figures.toArray(new Integer[0])))) {
                Integer channelFigure = (Integer) row.get("channel_figure");
                Integer hubFigure = (Integer) row.get("hub_figure");
                if (hubFigure == null) {
                    // the hub does not sell the sku at this channel: nothing it could repair
                    unknown++;
                    continue;
                }
                if (Boolean.TRUE.equals(row.get("in_flight"))) {
                    inFlight++;
                    continue;
                }
                Integer lastDelivered = (Integer) row.get("last_delivered");
                Timestamp lastAt = (Timestamp) row.get("last_delivered_at");
                DriftCause cause;
                if (lastDelivered == null || !lastDelivered.equals(hubFigure)) {
                    cause = DriftCause.NEVER_DELIVERED;
                } else if (channelFigure == null || Boolean.TRUE.equals(row.get("older_figure"))) {
                    cause = DriftCause.NOT_APPLIED;
                } else {
                    cause = DriftCause.CHANGED_AT_CHANNEL;
                }
                drifts.add(new Reconciliations.NewDrift((String) row.get("sku"), channelFigure, hubFigure, lastDelivered,
                        lastAt == null ? null : lastAt.toInstant(), cause));
            }
            reconciliations.record(run.id(), run.channel(), drifts);
            if (!drifts.isEmpty()) {
                // a sku the channel keeps drifting on: the nodes holding it are asked for a count
                cycleCounts.requestWhereHeld(reconciliations.recurring(run.channel(),
                        drifts.stream().map(Reconciliations.NewDrift::sku).toList(), countProps.recurringDrifts(),
                        countProps.recurringWindow()), CountTrigger.RECURRING_DRIFT);
            }
            if (!drifts.isEmpty() && !(run.reportOnly() || channel.reportOnly())) {
                repair(run, drifts.stream().map(Reconciliations.NewDrift::sku).sorted().toList());
            }
            drifts.forEach(d -> metrics.drift(run.channel(), d.cause()));
            return new Counts(inFlight, unknown, drifts.size());
        });
    }

    /**
     * Corrective deliveries for {@code skus} (sorted), in the caller's transaction: the sync writes each corrective
     * figure with the next sequence ({@link InventorySync#correctiveFigures}), dated now so the delivery lag measures
     * how long the repair took to reach the channel, and they are enqueued.
     */
    private void repair(Reconciliations.Run run, List<String> skus) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", run.channel())
                .addValue("skus", skus.toArray(new String[0]));
        Instant now = Instant.now();
        List<Deliveries.NewAts> enqueue = new ArrayList<>();
        for (AvailableToSell ats : sync.correctiveFigures(run.channel(), skus, now)) {
            enqueue.add(new Deliveries.NewAts(ats, json(ats), now));
        }
        deliveries.enqueueAts(enqueue);
        List<String> keys = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        jdbc.query("""
                select ordering_key, max(id) from delivery where channel = :channel and kind = 'ATS'
                  and ordering_key = any(:skus) and status = 'PENDING' group by ordering_key""", p, rs -> {
                    keys.add(rs.getString(1));
                    ids.add(rs.getLong(2));
                });
        reconciliations.repairing(run.id(), keys.toArray(new String[0]), ids.toArray(new Long[0]));
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
