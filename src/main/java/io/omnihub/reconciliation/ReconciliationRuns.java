package io.omnihub.reconciliation;

import io.omnihub.channels.ChannelsProperties;
import io.omnihub.channels.ReadBack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts reconciliation runs: on demand ({@code POST /api/reconciliations}) and, for a channel with an
 * {@code interval}, on a schedule (skipped while the channel has a run queued or going). Runs go one after the other
 * on one thread of their own, never on a delivery or sync thread. Every few seconds the drifts whose corrective
 * figure has reached the channel are marked repaired, which feeds the time-to-repair metric.
 */
@Component
public class ReconciliationRuns implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ReconciliationRuns.class);

    private final ChannelsProperties channels;
    private final Reconciliations reconciliations;
    private final Reconciler reconciler;
    private final ReconciliationMetrics metrics;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> daemon(r, "reconciliation"));
    /** Runs of this hub not started yet: marked FAILED when the hub stops before it gets to them. */
    private final Set<Long> queued = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService schedule = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "reconciliation-schedule"));

    public ReconciliationRuns(ChannelsProperties channels, Reconciliations reconciliations, Reconciler reconciler,
                              ReconciliationMetrics metrics) {
        this.channels = channels;
        this.reconciliations = reconciliations;
        this.reconciler = reconciler;
        this.metrics = metrics;
        channels.readable().forEach(channel -> {
            Duration every = channels.readBack(channel).interval();
            if (!every.isZero() && !every.isNegative()) {
                schedule.scheduleWithFixedDelay(() -> scheduled(channel), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A channel that has no read-back route, or an empty sku list. */
    public static final class InvalidRequest extends RuntimeException {
        InvalidRequest(String message) {
            super(message);
        }
    }

    /**
     * Queues a run of {@code channel}: of the skus given, or of its whole catalogue when {@code skus} is null;
     * report-only when asked or when the channel is configured so. Returns the run's id.
     */
    public long start(String channel, Collection<String> skus, boolean reportOnly, String trigger) {
        ReadBack config = channels.readBack(channel);
        if (config == null) {
            throw new InvalidRequest("channel " + channel + " cannot be read back; channels that can: " + channels.readable());
        }
        if (skus != null && skus.isEmpty()) {
            throw new InvalidRequest("skus, when given, must name at least one sku");
        }
        reconciliations.abandonStale();
        long id = reconciliations.create(channel, skus == null ? null : List.copyOf(skus), reportOnly || config.reportOnly(), trigger);
        queued.add(id);
        runner.execute(() -> {
            queued.remove(id);
            reconciler.run(id);
        });
        return id;
    }

    /** The channels that can be read back. */
    public Set<String> readable() {
        return channels.readable();
    }

    /** A readable channel's configuration, or null. */
    public ReadBack config(String channel) {
        return channels.readBack(channel);
    }

    private void scheduled(String channel) {
        try {
            reconciliations.abandonStale();
            if (!reconciliations.busy(channel)) {
                start(channel, null, false, "SCHEDULE");
            }
        } catch (RuntimeException e) {
            log.warn("Could not start the scheduled reconciliation of {}: {}", channel, e.toString());
        }
    }

    /** Marks repaired the drifts whose corrective figure reached the channel, and records how long each took. */
    @Scheduled(fixedDelayString = "${omnihub.reconciliation.settle-interval-ms:2000}", initialDelay = 2000)
    public void settle() {
        try {
            reconciliations.settle().forEach(r -> metrics.repaired(r.channel(), Duration.between(r.foundAt(), r.repairedAt())));
        } catch (RuntimeException e) {
            log.debug("Could not settle repaired drifts: {}", e.toString());
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        schedule.shutdownNow();
        runner.shutdownNow();
        runner.awaitTermination(5, TimeUnit.SECONDS);
        for (Long id : queued) {
            try {
                reconciliations.finished(id, Reconciliations.Status.FAILED, "the hub stopped before the run started");
            } catch (RuntimeException e) {
                log.debug("Could not mark reconciliation {} failed: {}", id, e.toString());
            }
        }
    }
}
