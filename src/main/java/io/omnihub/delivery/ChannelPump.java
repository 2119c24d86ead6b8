package io.omnihub.delivery;

import io.omnihub.channels.ChannelSink;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds one channel: a thread of its own that claims the channel's due deliveries and hands each to the channel's
 * sink route without waiting for it. The sink answers asynchronously (the HTTP sinks use vertx-http, the Kafka sink
 * the producer's callback), so up to the channel's concurrency limit of calls are in flight while this one thread
 * claims the next ones and records the outcomes of the finished ones: every DELIVERED mark of a round in one
 * statement, retries and dead ends one by one. No thread waits on a channel's answer, and a slow channel holds
 * only its own slots.
 * <p>
 * It claims ahead: up to {@link #AHEAD} rows (or as many as it has slots, when more) wait, claimed, in
 * {@code ready}, and a call that succeeds hands its slot to the next of them on a sender thread (the dispatcher's, a
 * thread per refill at most, so a sink route that blocks holds only its own channel's slots). So a freed slot does
 * not wait for this thread to come round from a claim or a mark (a database round trip each, several milliseconds
 * when the machine is busy: at 500 stock events a second a slot was idle about twice as long as its call took). A
 * failed call stops the sending until this thread has recorded it, and it hands the rows waiting back (unclaimed,
 * the attempt not counted) so that the circuit breaker and a channel's Retry-After decide, as for any claim, when
 * they go. A row claimed and waiting is neither replaced by a newer figure nor superseded; it waits for a few calls
 * at most.
 * <p>
 * It claims again when a quarter of its slots are free and more may be due (the last claim got every row it asked
 * for), when a delivery was enqueued for the channel, or at the dispatcher's poll (retries coming due, rows another
 * hub enqueued). A key's next row is claimable only once its previous one is marked, so figures of one sku still
 * reach the channel in order.
 */
final class ChannelPump implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ChannelPump.class);
    /**
     * Rows claimed ahead of the free slots, at least: this thread claims and marks a round at a time, each a database
     * round trip, so a channel of few slots (the marketplace's 4) needs more rows waiting than slots to keep them busy
     * between two of its rounds.
     */
    static final int AHEAD = 16;

    /** A row claimed ahead, and when ({@link System#nanoTime}): its lease runs out {@code lease-ms} after. */
    private record Claimed(Delivery delivery, long atNanos) {
    }

    /** A send that finished, with its outcome on the exchange. */
    private record Finished(Delivery delivery, Exchange exchange) {
    }

    private final String channelId;
    private final int maxInFlight;
    private final Deliveries deliveries;
    private final DeliveryProperties props;
    private final DeliveryMetrics metrics;
    private final Backoff backoff;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final Endpoint endpoint;
    private final AsyncProducer producer;
    private final Executor senders;
    private final Thread thread;

    private final Semaphore wakeUp = new Semaphore(0);
    /** Something may be due: a delivery was enqueued for the channel, or the dispatcher polled. */
    private final AtomicBoolean due = new AtomicBoolean(true);
    private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    /** Calls started and not finished: taken by whoever sends, given back when the call finishes. */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Rows claimed and not sent yet, oldest first: sent by this thread after a claim, or when a call succeeds. */
    private final Queue<Claimed> ready = new ConcurrentLinkedQueue<>();
    /** A call failed and this thread has not recorded it yet: nothing more goes out until it has. */
    private final AtomicBoolean failedUnrecorded = new AtomicBoolean();
    /** The channel said 429: nothing goes out before its Retry-After (set by this thread, read by the senders). */
    private volatile Instant pausedUntil = Instant.MIN;

    // changed by the pump's thread only
    /** Sent and delivered, but their rows were held by another transaction when they were to be marked. */
    private final List<Long> held = new ArrayList<>();
    private boolean mayHaveMore;

    ChannelPump(String channelId, ChannelSink sink, Endpoint endpoint, Deliveries deliveries,
                DeliveryProperties props, DeliveryMetrics metrics, Backoff backoff, CircuitBreaker breaker, Clock clock,
                Executor senders) {
        this.channelId = channelId;
        this.senders = senders;
        this.maxInFlight = sink.maxConcurrency();
        this.endpoint = endpoint;
        this.deliveries = deliveries;
        this.props = props;
        this.metrics = metrics;
        this.backoff = backoff;
        this.breaker = breaker;
        this.clock = clock;
        try {
            this.producer = endpoint.createAsyncProducer();
        } catch (Exception e) {
            throw new IllegalStateException("no producer for " + endpoint.getEndpointUri() + " of channel " + channelId, e);
        }
        ServiceHelper.startService(producer);
        this.thread = new Thread(this, "delivery-" + channelId);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something may be due for the channel. */
    void wake() {
        due.set(true);
        wakeUp.release();
    }

    @Override
    public void run() {
        while (running) {
            wakeUp.drainPermits();
            long waitMs = props.pollIntervalMs();
            try {
                settle();
                waitMs = claimAndSend();
            } catch (RuntimeException e) {
                log.warn("Could not dispatch deliveries of {}: {}", channelId, e.toString());
            }
            try {
                // rows held by another transaction are marked again soon (it commits within milliseconds)
                wakeUp.tryAcquire(held.isEmpty() ? waitMs : Math.min(waitMs, 5), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // stopping: the calls in flight are awaited for a moment and recorded (what is not is sent again after its lease)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((inFlight.get() > 0 || !held.isEmpty()) && System.nanoTime() < until) {
            try {
                wakeUp.tryAcquire(50, TimeUnit.MILLISECONDS);
                settle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.warn("Could not record the outcomes of {} deliveries to {}: {}", inFlight.get(), channelId, e.toString());
                break;
            }
        }
        giveBackReady();
        ServiceHelper.stopService(producer);
    }

    /** Stops the pump: no more claims; waits for it to record the calls in flight. */
    void stop() throws InterruptedException {
        running = false;
        wakeUp.release();
        thread.join(TimeUnit.SECONDS.toMillis(6));
    }

    /** Claims what is due within the free slots and starts sending it; returns how long to wait for the next round. */
    private long claimAndSend() {
        long pollMs = props.pollIntervalMs();
        Instant now = clock.instant();
        if (now.isBefore(pausedUntil)) {
            // the channel said 429: nothing goes out before its Retry-After
            return Math.max(1, Math.min(pollMs, Duration.between(now, pausedUntil).toMillis()));
        }
        giveBackAged();
        sendReady();
        int busy = inFlight.get() + ready.size();
        // claimed ahead: the slots and up to AHEAD rows waiting (as many as the slots when there are more of them)
        int free = maxInFlight + Math.max(AHEAD, maxInFlight) - busy;
        // claim for a quarter of the slots at a time (or the first one), not a statement per finished call
        int enough = busy == 0 ? 1 : Math.max(1, maxInFlight / 4);
        if (!(due.get() || mayHaveMore) || free < enough) {
            return pollMs;
        }
        due.set(false);
        int permits = breaker.permits(Math.min(free, props.batchSize()));
        if (permits == 0) {
            // the breaker is open: nothing is claimed, so no attempt is spent while the channel is down
            mayHaveMore = false;
            due.set(true);
            return pollMs;
        }
        List<Delivery> claimed;
        try {
            claimed = deliveries.claim(channelId, permits, props.leaseMs());
        } catch (RuntimeException e) {
            breaker.unused(permits);
            due.set(true);
            throw e;
        }
        breaker.unused(permits - claimed.size());
        mayHaveMore = claimed.size() == permits;
        long at = System.nanoTime();
        claimed.forEach(d -> ready.add(new Claimed(d, at)));
        sendReady();
        return pollMs;
    }

    /**
     * Sends claimed rows while the channel has a free slot and is not paused: from this pump's thread, and from the
     * thread that saw a call succeed, so a freed slot is taken again at once.
     */
    private void sendReady() {
        while (running && !failedUnrecorded.get() && !clock.instant().isBefore(pausedUntil)) {
            int n = inFlight.get();
            if (n >= maxInFlight) {
                return;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            Claimed c = ready.poll();
            if (c == null) {
                inFlight.decrementAndGet();
                if (ready.isEmpty()) {
                    return;
                }
                // rows arrived after the poll (their sender saw the slot taken): take the slot again
                continue;
            }
            send(c.delivery());
        }
    }

    /** Rows claimed and not sent go back to the table as they were: unclaimed, their attempt not counted. */
    private void giveBackReady() {
        List<Long> ids = new ArrayList<>();
        for (Claimed c; (c = ready.poll()) != null; ) {
            ids.add(c.delivery().id());
        }
        giveBack(ids);
    }

    /**
     * Rows that waited for a slot for half their lease go back too (slow calls hold every slot): sent later than
     * that, a row's lease could run out while it is on its way, and another claim send it a second time.
     */
    private void giveBackAged() {
        long limit = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(props.leaseMs() / 2);
        List<Long> ids = new ArrayList<>();
        for (Claimed c : ready) {
            // remove, not poll: a sender may take the row meanwhile, and then it is its to send
            if (c.atNanos() - limit < 0 && ready.remove(c)) {
                ids.add(c.delivery().id());
            }
        }
        giveBack(ids);
    }

    private void giveBack(List<Long> ids) {
        if (!ids.isEmpty()) {
            deliveries.unclaim(ids);
            breaker.unused(ids.size());
            // they are due again: claimed at a next round, as the breaker allows
            due.set(true);
        }
    }

    private void send(Delivery d) {
        Exchange exchange = endpoint.createExchange();
        Message m = exchange.getMessage();
        m.setHeader(DeliveryHeaders.ID, "dlv_" + d.id());
        m.setHeader(DeliveryHeaders.KIND, d.kind().name());
        m.setHeader(DeliveryHeaders.CHANNEL, d.channel());
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (d.kind() == Delivery.Kind.ATS) {
            m.setHeader(DeliveryHeaders.EVENT_TYPE, "inventory.available");
            m.setHeader(DeliveryHeaders.SKU, d.orderingKey());
            m.setHeader(DeliveryHeaders.SEQUENCE, d.sequence());
            m.setHeader(DeliveryHeaders.PATH, "inventory/" + d.orderingKey());
            m.setHeader(DeliveryHeaders.KAFKA_KEY, d.channel() + ":" + d.orderingKey());
        } else {
            m.setHeader(DeliveryHeaders.EVENT_TYPE, "order.status");
            m.setHeader(DeliveryHeaders.PATH, "orders/" + d.orderingKey() + "/status");
            m.setHeader(DeliveryHeaders.KAFKA_KEY, d.orderingKey());
        }
        m.setBody(d.payload());
        try {
            producer.process(exchange, doneSync -> {
                finished.add(new Finished(d, exchange));
                // after the add: the pump's thread clears the flag before it takes what finished
                boolean failed = DeliveryDispatcher.failureOf(exchange) != null;
                if (failed) {
                    failedUnrecorded.set(true);
                }
                inFlight.decrementAndGet();
                if (!doneSync && !failed && running && !ready.isEmpty()) {
                    // the slot goes to the next row claimed, on a sender thread: never on the channel client's own
                    // thread (an event loop), as a sink route may block (a call that answered at once returns to the
                    // loop that sent it)
                    try {
                        senders.execute(this::sendReady);
                    } catch (RejectedExecutionException stopping) {
                        // the hub stops: nothing more is sent
                    }
                }
                wakeUp.release();
            });
        } catch (RuntimeException e) {
            // an asynchronous producer reports on the exchange; this is a failure before the call even started
            exchange.setException(e);
            finished.add(new Finished(d, exchange));
            failedUnrecorded.set(true);
            inFlight.decrementAndGet();
            wakeUp.release();
        }
    }

    /** Records the outcome of every call that finished: the successes in one statement, each failure by itself. */
    private void settle() {
        // the successes a transaction held last time first (see Deliveries.deliveredUnlessHeld)
        List<Long> delivered = new ArrayList<>(held);
        held.clear();
        // a failure that comes after this is recorded at the next round, and stops the sending until then
        failedUnrecorded.set(false);
        boolean anyFailed = false;
        try {
            for (Finished f; (f = finished.poll()) != null; ) {
                Throwable failure = DeliveryDispatcher.failureOf(f.exchange());
                if (failure != null) {
                    anyFailed = true;
                    failed(f.delivery(), failure);
                    continue;
                }
                delivered.add(f.delivery().id());
                breaker.onSuccess();
                metrics.outcome(channelId, "delivered");
                if (f.delivery().eventAt() != null) {
                    metrics.lag(channelId, Duration.between(f.delivery().eventAt(), clock.instant()));
                }
            }
            if (anyFailed) {
                // the channel failed a call: what waits goes back, to be claimed as the breaker and Retry-After allow
                giveBackReady();
            }
        } finally {
            if (!delivered.isEmpty()) {
                try {
                    // until marked, the rows stay claimed (their lease): neither sent again nor superseded meanwhile;
                    // a row another transaction holds is marked at the next round rather than waited for
                    Set<Long> done = deliveries.deliveredUnlessHeld(delivered);
                    for (Long id : delivered) {
                        if (!done.contains(id)) {
                            held.add(id);
                        }
                    }
                } catch (RuntimeException e) {
                    // the leases expire and the deliveries are sent again (receivers dedupe by webhook-id)
                    log.warn("Could not mark {} deliveries to {} delivered: {}", delivered.size(), channelId, e.toString());
                }
            }
        }
    }

    private void failed(Delivery d, Throwable error) {
        try {
            HttpOperationFailedException http = DeliveryDispatcher.httpFailure(error);
            String reason = http != null ? "HTTP " + http.getStatusCode() + " " + http.getStatusText()
                    + (http.getResponseBody() == null ? "" : ": " + http.getResponseBody()) : error.toString();
            if (http != null && http.getStatusCode() == 429) {
                // the channel asks us to slow down: wait as long as it says, without spending an attempt
                long waitMs = DeliveryDispatcher.retryAfterMs(http.getResponseHeaders(), backoff.delayMs(d.attempts()));
                pausedUntil = clock.instant().plusMillis(waitMs);
                Delivery.Status now = deliveries.retryLater(d, waitMs, reason, false);
                metrics.outcome(channelId, now == Delivery.Status.SUPERSEDED ? "superseded" : "rate_limited");
                return;
            }
            if (http != null && http.getStatusCode() >= 400 && http.getStatusCode() < 500 && http.getStatusCode() != 408) {
                // a permanent refusal: retrying the same message cannot succeed
                deliveries.dead(d.id(), reason);
                metrics.outcome(channelId, "dead");
                log.warn("Delivery {} to {} refused for good: {}", d.id(), channelId, reason);
                return;
            }
            breaker.onFailure();
            if (d.attempts() >= props.maxAttempts()) {
                deliveries.dead(d.id(), "after " + d.attempts() + " attempts: " + reason);
                metrics.outcome(channelId, "dead");
                log.warn("Delivery {} to {} dead after {} attempts: {}", d.id(), channelId, d.attempts(), reason);
                return;
            }
            long delay = backoff.delayMs(d.attempts());
            log.info("Delivery {} to {} failed (attempt {} of {}), next in {} ms: {}", d.id(), channelId, d.attempts(),
                    props.maxAttempts(), delay, reason);
            Delivery.Status now = deliveries.retryLater(d, delay, reason, true);
            metrics.outcome(channelId, now == Delivery.Status.SUPERSEDED ? "superseded" : "retried");
        } catch (RuntimeException e) {
            // the lease expires and another round picks the delivery up again
            log.warn("Could not record the outcome of delivery {}: {}", d.id(), e.toString());
        }
    }
}
