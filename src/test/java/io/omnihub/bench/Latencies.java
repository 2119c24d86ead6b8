package io.omnihub.bench;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/** Latency recording for one measured phase: an HdrHistogram of nanoseconds, 1 µs to 5 minutes. */
final class Latencies {

    private final Histogram histogram = new Histogram(1_000L, 300_000_000_000L, 3);

    synchronized void record(long nanos) {
        histogram.recordValue(Math.max(1_000L, Math.min(nanos, 300_000_000_000L)));
    }

    synchronized void add(Latencies other) {
        synchronized (other) {
            histogram.add(other.histogram);
        }
    }

    synchronized long count() {
        return histogram.getTotalCount();
    }

    synchronized double percentileMs(double p) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(p) / 1e6;
    }

    synchronized double maxMs() {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getMaxValue() / 1e6;
    }

    /** "p50 1.2 ms, p99 8.4 ms". */
    String summary() {
        return String.format(Locale.ROOT, "p50 %s ms, p99 %s ms", ms(percentileMs(50)), ms(percentileMs(99)));
    }

    static String ms(double ms) {
        if (Double.isNaN(ms)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, ms < 10 ? "%.2f" : "%.0f", ms);
    }
}
