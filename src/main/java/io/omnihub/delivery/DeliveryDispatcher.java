package io.omnihub.delivery;

import io.omnihub.sync.SyncProperties;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends due deliveries to their channel's sink route (a {@code channel-*.yaml} route) and records the outcome:
 * DELIVERED; retried after an exponential backoff with jitter; after a 429 retried when the channel's
 * Retry-After says (the whole channel waits); DEAD after the last attempt, or at once for a permanent refusal
 * (another 4xx). Each channel has a concurrency limit and a {@link CircuitBreaker}; an open breaker claims nothing,
 * so attempts are not spent while a channel is down. Everything is in the {@code delivery} table, so a restart
 * resumes where the hub stopped. Feed channels (SFTP_FEED) are not sent here but in batches by {@link SftpFeed}.
 */
@Component("deliveryDispatcher")
public class DeliveryDispatcher implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DeliveryDispatcher.class);

    private final Deliveries deliveries;
    private final SyncProperties sync;
    private final DeliveryProperties props;
    private final ProducerTemplate producer;
    private final DeliveryMetrics metrics;
    private final Backoff backoff;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, Instant> pausedUntil = new ConcurrentHashMap<>();
    private final Map<String, Claimer> claimers = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final Semaphore wakeUp = new Semaphore(0);
    /** Channels something was enqueued for since the dispatcher last looked. */
    private final Set<String> woken = ConcurrentHashMap.newKeySet();
    /** Per channel: the last claim filled every slot it had, so more may be due than were claimed. */
    private final Map<String, Boolean> mayHaveMore = new ConcurrentHashMap<>();
    /** Sent deliveries not yet marked DELIVERED (see {@link #markDelivered}). */
    private final Queue<Long> sent = new ConcurrentLinkedQueue<>();
    private final ReentrantLock marking = new ReentrantLock();

    public DeliveryDispatcher(Deliveries deliveries, SyncProperties sync, DeliveryProperties props,
                              ProducerTemplate producer, DeliveryMetrics metrics) {
        this.deliveries = deliveries;
        this.sync = sync;
        this.props = props;
        this.producer = producer;
        this.metrics = metrics;
        this.backoff = new Backoff(props.baseBackoffMs(), props.maxBackoffMs(),
                bound -> ThreadLocalRandom.current().nextLong(bound));
        int threads = Math.max(2, sync.channels().values().stream().mapToInt(SyncProperties.Channel::maxConcurrency).sum());
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "delivery-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // a delivery enqueued in this hub wakes the dispatcher at once; others are found by polling
        deliveries.onEnqueued(channels -> {
            woken.addAll(channels);
            wakeUp.release();
        });
    }

    /**
     * What the {@code delivery-dispatcher} timer calls: dispatches, then for up to {@code omnihub.delivery.hold-ms}
     * waits for a delivery enqueued in this hub (it wakes the dispatcher at once) or the poll interval (retries
     * coming due, deliveries enqueued by another hub) and dispatches again; so a figure leaves within milliseconds
     * of being enqueued and the route's thread still comes back now and then. Returns how many sends started.
     */
    public int dispatchWhileHeld() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(props.holdMs());
        int started = 0;
        boolean all = true;
        while (!workers.isShutdown()) {
            wakeUp.drainPermits();
            if (all) {
                woken.clear();
                started += dispatch();
            } else {
                // woken: only the channels something was enqueued for
                List<String> channels = new ArrayList<>(woken);
                woken.removeAll(channels);
                for (String channelId : channels) {
                    started += dispatchChannel(channelId);
                }
            }
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                all = !wakeUp.tryAcquire(Math.min(left, TimeUnit.MILLISECONDS.toNanos(props.pollIntervalMs())), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return started;
    }

    /** One pass over every channel: claims what is due within the channel's limits and sends it. Returns how many started. */
    public int dispatch() {
        int started = 0;
        for (String channelId : sync.channels().keySet()) {
            started += dispatchChannel(channelId);
        }
        return started;
    }

    /**
     * Claims what is due for one channel within its limits and sends it (nothing for a feed or unknown channel).
     * One thread claims for a channel at a time: a request made while another thread is claiming for the channel
     * is left to that thread, which claims once more before it lets go (so no request is lost). Claims racing for
     * the same rows would mostly skip each other's locked rows and come back empty, at a statement each.
     */
    private int dispatchChannel(String channelId) {
        SyncProperties.Channel channel = sync.channel(channelId);
        if (channel == null || channel.type() == null || channel.type() == SyncProperties.SinkType.SFTP_FEED
                || channel.route() == null) {
            return 0;
        }
        Claimer claimer = claimers.computeIfAbsent(channelId, c -> new Claimer());
        claimer.requests.incrementAndGet();
        int started = 0;
        while (claimer.requests.get() > 0 && claimer.lock.tryLock()) {
            try {
                while (claimer.requests.getAndSet(0) > 0) {
                    started += dispatch(channelId, channel);
                }
            } catch (RuntimeException ex) {
                log.warn("Could not dispatch deliveries of {}: {}", channelId, ex.toString());
            } finally {
                claimer.lock.unlock();
            }
        }
        return started;
    }

    /** Who claims for a channel now, and whether more claims were asked for meanwhile. */
    private static final class Claimer {
        final ReentrantLock lock = new ReentrantLock();
        final AtomicInteger requests = new AtomicInteger();
    }

    private int dispatch(String channelId, SyncProperties.Channel channel) {
        Instant paused = pausedUntil.get(channelId);
        if (paused != null && clock.instant().isBefore(paused)) {
            return 0;
        }
        Semaphore free = slots.computeIfAbsent(channelId, c -> new Semaphore(channel.maxConcurrency()));
        CircuitBreaker breaker = breaker(channelId);
        // reserve the slots first, so that passes racing for one channel never exceed its limit
        int reserved = 0;
        while (reserved < props.batchSize() && free.tryAcquire()) {
            reserved++;
        }
        int permits = breaker.permits(reserved);
        if (permits == 0) {
            free.release(reserved);
            return 0;
        }
        List<Delivery> claimed;
        try {
            claimed = deliveries.claim(channelId, permits, props.leaseMs());
        } catch (RuntimeException e) {
            free.release(reserved);
            breaker.unused(permits);
            throw e;
        }
        free.release(reserved - claimed.size());
        mayHaveMore.put(channelId, claimed.size() == permits);
        if (claimed.isEmpty()) {
            breaker.unused(permits);
            return 0;
        }
        for (Delivery d : claimed) {
            workers.execute(() -> {
                try {
                    send(channel, d, breaker);
                } finally {
                    free.release();
                }
                // work-conserving: freed slots take the next due deliveries now, not at the next poll, when the last
                // claim left work behind (otherwise new work wakes the dispatcher); half the channel's slots at a time
                // rather than one claim statement per finished delivery
                if (!workers.isShutdown() && Boolean.TRUE.equals(mayHaveMore.get(channelId))
                        && free.availablePermits() >= Math.max(1, channel.maxConcurrency() / 2)) {
                    dispatchChannel(channelId);
                }
            });
        }
        return claimed.size();
    }

    /**
     * Marks a sent delivery DELIVERED. Workers finishing at the same time share one statement: whoever holds the
     * lock marks every id sent so far, and looks again after letting go, so no id is left behind. Until it is
     * marked, the row stays claimed (its lease), so it is neither sent again nor superseded meanwhile.
     */
    private void markDelivered(long id) {
        sent.add(id);
        while (!sent.isEmpty() && marking.tryLock()) {
            try {
                List<Long> ids = new ArrayList<>();
                for (Long next; (next = sent.poll()) != null; ) {
                    ids.add(next);
                }
                if (!ids.isEmpty()) {
                    try {
                        deliveries.delivered(ids);
                    } catch (RuntimeException e) {
                        // the leases expire and the deliveries are sent again (receivers dedupe by webhook-id)
                        log.warn("Could not mark {} deliveries delivered: {}", ids.size(), e.toString());
                    }
                }
            } finally {
                marking.unlock();
            }
        }
    }

    /** The breaker of a channel (created closed). */
    public CircuitBreaker breaker(String channelId) {
        return breakers.computeIfAbsent(channelId, c ->
                new CircuitBreaker(props.breakerFailures(), Duration.ofMillis(props.breakerOpenMs()), clock));
    }

    private void send(SyncProperties.Channel channel, Delivery d, CircuitBreaker breaker) {
        Exchange result;
        try {
            result = producer.send(channel.route(), exchange -> {
                var m = exchange.getMessage();
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
            });
        } catch (RuntimeException e) {
            failed(d, breaker, e);
            return;
        }
        Throwable failure = failureOf(result);
        if (failure != null) {
            failed(d, breaker, failure);
            return;
        }
        markDelivered(d.id());
        breaker.onSuccess();
        metrics.outcome(d.channel(), "delivered");
        if (d.eventAt() != null) {
            metrics.lag(d.channel(), Duration.between(d.eventAt(), clock.instant()));
        }
    }

    private void failed(Delivery d, CircuitBreaker breaker, Throwable error) {
        try {
            HttpOperationFailedException http = httpFailure(error);
            String reason = http != null ? "HTTP " + http.getStatusCode() + " " + http.getStatusText()
                    + (http.getResponseBody() == null ? "" : ": " + http.getResponseBody()) : error.toString();
            if (http != null && http.getStatusCode() == 429) {
                // the channel asks us to slow down: wait as long as it says, without spending an attempt
                long waitMs = retryAfterMs(http.getResponseHeaders(), backoff.delayMs(d.attempts()));
                pausedUntil.put(d.channel(), clock.instant().plusMillis(waitMs));
                Delivery.Status now = deliveries.retryLater(d, waitMs, reason, false);
                metrics.outcome(d.channel(), now == Delivery.Status.SUPERSEDED ? "superseded" : "rate_limited");
                return;
            }
            if (http != null && http.getStatusCode() >= 400 && http.getStatusCode() < 500 && http.getStatusCode() != 408) {
                // a permanent refusal: retrying the same message cannot succeed
                deliveries.dead(d.id(), reason);
                metrics.outcome(d.channel(), "dead");
                log.warn("Delivery {} to {} refused for good: {}", d.id(), d.channel(), reason);
                return;
            }
            breaker.onFailure();
            if (d.attempts() >= props.maxAttempts()) {
                deliveries.dead(d.id(), "after " + d.attempts() + " attempts: " + reason);
                metrics.outcome(d.channel(), "dead");
                log.warn("Delivery {} to {} dead after {} attempts: {}", d.id(), d.channel(), d.attempts(), reason);
                return;
            }
            long delay = backoff.delayMs(d.attempts());
            log.info("Delivery {} to {} failed (attempt {} of {}), next in {} ms: {}", d.id(), d.channel(), d.attempts(),
                    props.maxAttempts(), delay, reason);
            Delivery.Status now = deliveries.retryLater(d, delay, reason, true);
            metrics.outcome(d.channel(), now == Delivery.Status.SUPERSEDED ? "superseded" : "retried");
        } catch (RuntimeException e) {
            // the lease expires and another pass picks the delivery up again
            log.warn("Could not record the outcome of delivery {}: {}", d.id(), e.toString());
        }
    }

    /**
     * The exception a sink route failed with: still on the exchange, or caught and handled by a route configuration
     * on the way (the hub's default one answers HTTP callers and marks the exception handled), which is a failure
     * all the same for a delivery.
     */
    public static Throwable failureOf(Exchange exchange) {
        if (exchange.getException() != null) {
            return exchange.getException();
        }
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    static HttpOperationFailedException httpFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException h) {
                return h;
            }
        }
        return null;
    }

    /** Retry-After as delay-seconds or an HTTP date; {@code fallbackMs} when absent or unreadable. */
    public static long retryAfterMs(Map<String, String> headers, long fallbackMs) {
        String value = null;
        if (headers != null) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if ("Retry-After".equalsIgnoreCase(h.getKey())) {
                    value = h.getValue();
                }
            }
        }
        if (value == null || value.isBlank()) {
            return fallbackMs;
        }
        value = value.trim();
        try {
            return Math.max(0, Long.parseLong(value) * 1000);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(Instant.now(), at.toInstant()).toMillis());
            } catch (RuntimeException notADate) {
                return fallbackMs;
            }
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        workers.shutdown();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
