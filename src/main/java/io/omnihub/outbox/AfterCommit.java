package io.omnihub.outbox;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs an action once after the current transaction commits, however many times it is asked for in that
 * transaction (a batch of 500 stock changes wakes the sync once, not 500 times); at once when no transaction is
 * active. Used to wake the threads that pick up what a transaction left behind (the sync, the delivery dispatcher)
 * instead of letting them find it at their next poll.
 */
public final class AfterCommit {

    private AfterCommit() {
    }

    /**
     * Collects {@code item} for the current transaction and, after it commits, runs {@code action} once with every
     * item collected under {@code key} in it; at once with just this item when no transaction is active.
     */
    public static <T> void collect(Object key, T item, Consumer<Set<T>> action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.accept(Set.of(item));
            return;
        }
        @SuppressWarnings("unchecked")
        Set<T> items = (Set<T>) TransactionSynchronizationManager.getResource(key);
        if (items != null) {
            items.add(item);
            return;
        }
        Set<T> collected = new LinkedHashSet<>();
        collected.add(item);
        TransactionSynchronizationManager.bindResource(key, collected);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.accept(collected);
            }

            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(key);
            }
        });
    }

    /** Runs {@code action} after the current transaction commits; {@code key} identifies it within the transaction. */
    public static void once(Object key, Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.run();
            return;
        }
        if (TransactionSynchronizationManager.hasResource(key)) {
            return;
        }
        TransactionSynchronizationManager.bindResource(key, Boolean.TRUE);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }

            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(key);
            }
        });
    }
}
