package io.omnihub.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the hub's heap (from its open Prometheus scrape, so sampling costs no password hashing) and resident
 * memory every half second while a load runs, keeping the peaks.
 */
final class ResourceSampler implements AutoCloseable {

    private final HubUnderTest hub;
    private final AtomicLong peakHeap = new AtomicLong(-1);
    private final AtomicLong peakJvmRss = new AtomicLong(-1);
    private final AtomicLong peakTotalRss = new AtomicLong(-1);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "resource-sampler");
        t.setDaemon(true);
        return t;
    });

    ResourceSampler(HubUnderTest hub) {
        this.hub = hub;
        timer.scheduleAtFixedRate(this::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        peakHeap.accumulateAndGet(hub.heapUsedBytesUnauthenticated(), Math::max);
        peakJvmRss.accumulateAndGet(hub.jvmRssKib(), Math::max);
        peakTotalRss.accumulateAndGet(hub.totalRssKib(), Math::max);
    }

    long peakHeapBytes() {
        return peakHeap.get();
    }

    long peakJvmRssKib() {
        return peakJvmRss.get();
    }

    long peakTotalRssKib() {
        return peakTotalRss.get();
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        timer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
