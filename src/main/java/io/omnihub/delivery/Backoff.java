package io.omnihub.delivery;

import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with jitter: after attempt n the nominal delay is min(max, base × 2^(n−1)), and the delay
 * used is drawn from [nominal / 2, nominal] ("equal jitter"), so retries of many deliveries spread out instead of
 * arriving together.
 */
public final class Backoff {

    private final long baseMs;
    private final long maxMs;
    private final LongUnaryOperator random;

    /** {@code random.applyAsLong(bound)} returns a value in [0, bound). */
    public Backoff(long baseMs, long maxMs, LongUnaryOperator random) {
        if (baseMs <= 0 || maxMs < baseMs) {
            throw new IllegalArgumentException("need 0 < base <= max, got " + baseMs + ", " + maxMs);
        }
        this.baseMs = baseMs;
        this.maxMs = maxMs;
        this.random = random;
    }

    /** The nominal (jitter-free) delay after {@code attempt} failed attempts (attempt >= 1). */
    public long nominalMs(int attempt) {
        int shift = Math.min(Math.max(attempt, 1) - 1, 40);
        long delay = baseMs << shift;
        return delay <= 0 || delay > maxMs ? maxMs : delay;
    }

    /** The delay to wait after {@code attempt} failed attempts, with jitter. */
    public long delayMs(int attempt) {
        long nominal = nominalMs(attempt);
        long half = nominal / 2;
        return half + random.applyAsLong(nominal - half + 1);
    }
}
