package io.omnihub.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load: {@code threads} workers each repeat one operation until {@code maxCount} operations were
 * started or {@code maxTime} has passed, whichever comes first. Records the latency of every successful
 * operation.
 */
final class Load {

    /** One operation; returns true when it succeeded. */
    @FunctionalInterface
    interface Operation {
        boolean run(int worker, long sequence) throws Exception;
    }

    /** What a load phase did. */
    record Result(long ok, long failed, long elapsedNanos, Latencies latencies, String firstError) {
        double perSecond() {
            return elapsedNanos <= 0 ? 0 : ok * 1e9 / elapsedNanos;
        }
    }

    private Load() {
    }

    static Result run(int threads, long maxCount, Duration maxTime, Operation operation) throws Exception {
        AtomicLong next = new AtomicLong();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        StringBuffer firstError = new StringBuffer();
        List<Latencies> perThread = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        long deadline = start + maxTime.toNanos();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Latencies lat = new Latencies();
                perThread.add(lat);
                int worker = t;
                futures.add(pool.submit(() -> {
                    long seq;
                    while (System.nanoTime() < deadline && (seq = next.getAndIncrement()) < maxCount) {
                        long t0 = System.nanoTime();
                        boolean success;
                        try {
                            success = operation.run(worker, seq);
                        } catch (Exception e) {
                            success = false;
                            synchronized (firstError) {
                                if (firstError.length() == 0) {
                                    firstError.append(e);
                                }
                            }
                        }
                        if (success) {
                            lat.record(System.nanoTime() - t0);
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long elapsed = System.nanoTime() - start;
        Latencies all = new Latencies();
        perThread.forEach(all::add);
        return new Result(ok.get(), failed.get(), elapsed, all, firstError.length() == 0 ? null : firstError.toString());
    }
}
