package io.omnihub.delivery;

import io.omnihub.channels.ChannelSink;
import io.omnihub.channels.ChannelsProperties;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends due deliveries to their channel's sink route (a {@code channel-*.yaml} route) and records the outcome:
 * DELIVERED; retried after an exponential backoff with jitter; after a 429 retried when the channel's
 * Retry-After says (the whole channel waits); DEAD after the last attempt, or at once for a permanent refusal
 * (another 4xx). Each channel is fed by a {@link ChannelPump} of its own, with its concurrency limit (calls in
 * flight at once) and its {@link CircuitBreaker}; an open breaker claims nothing, so attempts are not spent while a
 * channel is down. Everything is in the {@code delivery} table, so a restart resumes where the hub stopped. Feed
 * channels (SFTP_FEED) are not sent here but in batches by {@link SftpFeed}.
 * <p>
 * A delivery enqueued in this hub wakes its channel's pump at once (after the commit that enqueued it); the
 * {@code delivery-dispatcher} timer route wakes every pump each {@code omnihub.delivery.poll-interval-ms}, for
 * retries coming due and deliveries another hub enqueued, and starts the pumps on its first run (once the sink
 * routes run).
 */
@Component("deliveryDispatcher")
public class DeliveryDispatcher implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(DeliveryDispatcher.class);

    private final Deliveries deliveries;
    private final ChannelsProperties channels;
    private final DeliveryProperties props;
    private final CamelContext camel;
    private final DeliveryMetrics metrics;
    private final Backoff backoff;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, ChannelPump> pumps = new ConcurrentHashMap<>();
    /** Where a pump hands a slot freed by a call that succeeded to its next claimed row (see {@link ChannelPump}). */
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "delivery-send");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopped;

    public DeliveryDispatcher(Deliveries deliveries, ChannelsProperties channels, DeliveryProperties props,
                              CamelContext camel, DeliveryMetrics metrics) {
        this.deliveries = deliveries;
        this.channels = channels;
        this.props = props;
        this.camel = camel;
        this.metrics = metrics;
        this.backoff = new Backoff(props.baseBackoffMs(), props.maxBackoffMs(),
                bound -> ThreadLocalRandom.current().nextLong(bound));
        // a delivery enqueued in this hub wakes its channel's pump at once; others are found at the next poll
        deliveries.onEnqueued(enqueued -> enqueued.forEach(channel -> {
            ChannelPump pump = pumps.get(channel);
            if (pump != null) {
                pump.wake();
            }
        }));
    }

    /**
     * What the {@code delivery-dispatcher} timer calls: wakes the pump of every channel sent to here (starting it
     * on the first call), so retries that came due and deliveries enqueued by another hub go out. Returns how many
     * pumps run.
     */
    public int poll() {
        int running = 0;
        for (Map.Entry<String, ChannelSink> e : channels.sinks().entrySet()) {
            ChannelSink sink = e.getValue();
            if (stopped || !sink.pumped()) {
                continue;
            }
            pumps.computeIfAbsent(e.getKey(), id -> start(id, sink)).wake();
            running++;
        }
        return running;
    }

    private ChannelPump start(String channelId, ChannelSink sink) {
        ChannelPump pump = new ChannelPump(channelId, sink, camel.getEndpoint(sink.route()), deliveries, props,
                metrics, backoff, breaker(channelId), clock, senders);
        pump.start();
        log.info("Deliveries to {} go through {} with up to {} in flight", channelId, sink.route(), sink.maxConcurrency());
        return pump;
    }

    /** The breaker of a channel (created closed). */
    public CircuitBreaker breaker(String channelId) {
        return breakers.computeIfAbsent(channelId, c ->
                new CircuitBreaker(props.breakerFailures(), Duration.ofMillis(props.breakerOpenMs()), clock));
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

    /**
     * Stops every pump as the hub begins to close, before Camel stops the sink routes (a call started after that
     * would fail and spend an attempt); each waits a moment for its calls in flight and records them.
     */
    @EventListener(ContextClosedEvent.class)
    public void onClose() throws InterruptedException {
        destroy();
    }

    /** Stops every pump (again, harmlessly, after {@link #onClose}). */
    @Override
    public void destroy() throws InterruptedException {
        stopped = true;
        for (ChannelPump pump : pumps.values()) {
            pump.stop();
        }
        senders.shutdown();
    }
}
