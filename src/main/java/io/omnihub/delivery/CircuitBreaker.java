package io.omnihub.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A channel's circuit breaker. CLOSED: deliveries flow; after {@code failureThreshold} consecutive failures it
 * OPENs and no delivery is tried for {@code openFor}; then it is HALF_OPEN and lets exactly one trial through:
 * success closes it, failure opens it again. Thread-safe.
 */
public final class CircuitBreaker {

    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failureThreshold;
    private final Duration openFor;
    private final Clock clock;

    private State state = State.CLOSED;
    private int failures;
    private Instant openedAt;
    private boolean trialInFlight;

    public CircuitBreaker(int failureThreshold, Duration openFor, Clock clock) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failure threshold must be at least 1");
        }
        this.failureThreshold = failureThreshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /**
     * How many deliveries may start now, out of {@code wanted}: all of them when closed, none when open, one trial
     * when the open period is over (the breaker is then half open until that trial reports).
     */
    public synchronized int permits(int wanted) {
        if (wanted <= 0) {
            return 0;
        }
        switch (state) {
            case CLOSED:
                return wanted;
            case OPEN:
                if (clock.instant().isBefore(openedAt.plus(openFor))) {
                    return 0;
                }
                state = State.HALF_OPEN;
                trialInFlight = true;
                return 1;
            default:
                if (trialInFlight) {
                    return 0;
                }
                trialInFlight = true;
                return 1;
        }
    }

    /** Gives back a trial permit that was not used (nothing was due). */
    public synchronized void unused(int permits) {
        if (permits > 0 && state == State.HALF_OPEN) {
            trialInFlight = false;
        }
    }

    public synchronized void onSuccess() {
        state = State.CLOSED;
        failures = 0;
        trialInFlight = false;
    }

    public synchronized void onFailure() {
        if (state == State.HALF_OPEN) {
            open();
            return;
        }
        failures++;
        if (state == State.CLOSED && failures >= failureThreshold) {
            open();
        }
    }

    public synchronized State state() {
        return state;
    }

    private void open() {
        state = State.OPEN;
        openedAt = clock.instant();
        trialInFlight = false;
        failures = 0;
    }
}
