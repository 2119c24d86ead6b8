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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Feeds one channel: a thread of its own that claims the channel's due deliveries and hands each to the channel's
 * sink route without waiting for it. The sink answers asynchronously (the HTTP sinks use vertx-http, the Kafka sink
 * the producer's callback), so up to the channel's concurrency limit of calls are in flight while this one thread
 * claims the next ones and records the outcomes of the finished ones: every DELIVERED mark of a round in one
 * statement, retries and dead ends one by one. No thread waits on a channel's answer, and a slow channel holds
 * only its own slots.
 * <p>
 * It claims again when a quarter of its slots are free and more may be due (the last claim filled every slot it
 * had), when a delivery was enqueued for the channel, or at the dispatcher's poll (retries coming due, rows another
 * hub enqueued). A key's next row is claimable only once its previous one is marked, so figures of one sku still
 * reach the channel in order.
 */
final class ChannelPump implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ChannelPump.class);

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
    private final Thread thread;

    private final Semaphore wakeUp = new Semaphore(0);
    /** Something may be due: a delivery was enqueued for the channel, or the dispatcher polled. */
    private final AtomicBoolean due = new AtomicBoolean(true);
    private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;

    // changed by the pump's thread only
    private int inFlight;
    /** Sent and delivered, but their rows were held by another transaction when they were to be marked. */
    private final List<Long> held = new ArrayList<>();
    private boolean mayHaveMore;
    private Instant pausedUntil = Instant.MIN;

    ChannelPump(String channelId, ChannelSink sink, Endpoint endpoint, Deliveries deliveries,
                DeliveryProperties props, DeliveryMetrics metrics, Backoff backoff, CircuitBreaker breaker, Clock clock) {
        this.channelId = channelId;
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
        while ((inFlight > 0 || !held.isEmpty()) && System.nanoTime() < until) {
            try {
                wakeUp.tryAcquire(50, TimeUnit.MILLISECONDS);
                settle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                log.warn("Could not record the outcomes of {} deliveries to {}: {}", inFlight, channelId, e.toString());
                break;
            }
        }
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
        int free = maxInFlight - inFlight;
        // claim for a quarter of the slots at a time (or the first one), not a statement per finished call
        int enough = inFlight == 0 ? 1 : Math.max(1, maxInFlight / 4);
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
        for (Delivery d : claimed) {
            send(d);
        }
        return pollMs;
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
        inFlight++;
        try {
            producer.process(exchange, doneSync -> {
                finished.add(new Finished(d, exchange));
                wakeUp.release();
            });
        } catch (RuntimeException e) {
            // an asynchronous producer reports on the exchange; this is a failure before the call even started
            exchange.setException(e);
            finished.add(new Finished(d, exchange));
        }
    }

    /** Records the outcome of every call that finished: the successes in one statement, each failure by itself. */
    private void settle() {
        // the successes a transaction held last time first (see Deliveries.deliveredUnlessHeld)
        List<Long> delivered = new ArrayList<>(held);
        held.clear();
        try {
            for (Finished f; (f = finished.poll()) != null; ) {
                inFlight--;
                Throwable failure = DeliveryDispatcher.failureOf(f.exchange());
                if (failure != null) {
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
