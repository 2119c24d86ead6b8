package io.omnihub.deadletter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What a batch consumer (stock events, orders, fulfillment requests) does with a poll while the hub's own database
 * is away: it neither skips nor dead-letters anything (a database outage is not the records' fault; no dead letter
 * could be written anyway) but waits on its consumer thread and tries again, with a growing pause, until the
 * database is back. And what it reports when some records of a poll could be neither done nor dead-lettered.
 */
public final class StorageOutages {

    private static final Logger log = LoggerFactory.getLogger(StorageOutages.class);

    private StorageOutages() {
    }

    /**
     * Runs {@code work}; while it fails because the database is away ({@link DeadLetters#isStorageUnavailable}) and
     * {@code running} says the hub still runs, waits (250 ms doubling up to 5 s) and runs it again. Any other failure,
     * or one while the hub stops, is thrown. {@code what} names what waits, for the log.
     */
    public static <T> T retryWhileAway(String what, BooleanSupplier running, Supplier<T> work) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return work.get();
            } catch (RuntimeException e) {
                if (!DeadLetters.isStorageUnavailable(e) || !running.getAsBoolean()) {
                    throw e;
                }
                long pauseMs = Math.min(5_000, 250L << Math.min(attempt, 5));
                log.warn("The database is unavailable: {} wait, attempt {} again in {} ms ({})", what, attempt + 1, pauseMs,
                        e.toString());
                Thread.sleep(pauseMs);
            }
        }
    }

    /**
     * The failure of a poll of which {@code failures} records could be neither done nor dead-lettered: its offsets are
     * not committed, so they come again after a restart. The first failure is the cause, the others are suppressed.
     */
    public static IllegalStateException notAcknowledged(List<? extends Throwable> failures, int records, String notDone) {
        IllegalStateException e = new IllegalStateException(failures.size() + " of " + records + " " + notDone
                + "; offsets not committed", failures.get(0));
        failures.stream().skip(1).forEach(e::addSuppressed);
        return e;
    }
}
