package io.omnihub.observability;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.api.management.ManagedCamelContext;
import org.apache.camel.api.management.mbean.ManagedRouteMBean;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every Camel route is doing, for the console overview: its state (from the route controller), its exchange
 * counters (from the route's {@link ManagedRouteMBean}), exchanges in the last minute (sampled every 5 s) and its
 * last error with when it happened (caught as a Camel event, handled or not). Also a Camel event notifier, which
 * camel-spring-boot registers because it is a bean.
 */
@Component
public class RouteStats extends EventNotifierSupport {

    private static final int SAMPLES = 13;

    private final CamelContext camel;
    private final Map<String, LastError> lastErrors = new ConcurrentHashMap<>();
    private final Map<String, Deque<Sample>> samples = new ConcurrentHashMap<>();

    /** The last failure seen in a route. */
    public record LastError(Instant at, String message) {
    }

    /** One route as the overview shows it. */
    public record RouteView(String id, String description, String endpoint, String state, boolean kamelet,
                            long exchangesTotal, long exchangesFailed, long failuresHandled, long inflight,
                            long perMinute, Instant lastExchangeAt, LastError lastError) {
    }

    public RouteStats(CamelContext camel) {
        this.camel = camel;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeFailedEvent || event instanceof CamelEvent.ExchangeFailureHandledEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeEvent ee) {
            Exchange exchange = ee.getExchange();
            Throwable error = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            String routeId = exchange.getFromRouteId();
            if (routeId != null) {
                String message = error == null ? "failed" : error.getClass().getSimpleName() + ": " + error.getMessage();
                lastErrors.put(routeId, new LastError(Instant.now(), message));
            }
        }
    }

    /** Every route, sorted by id. */
    public List<RouteView> routes() {
        ManagedCamelContext managed = camel.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        List<RouteView> views = new ArrayList<>();
        for (Route route : camel.getRoutes()) {
            String id = route.getRouteId();
            ManagedRouteMBean mbean = managed == null ? null : managed.getManagedRoute(id);
            ServiceStatus status = camel.getRouteController().getRouteStatus(id);
            long total = mbean == null ? 0 : mbean.getExchangesTotal();
            views.add(new RouteView(id, route.getDescription(), route.getEndpoint().getEndpointBaseUri(),
                    status == null ? "Unknown" : status.name(), route.isCreatedByKamelet(), total,
                    mbean == null ? 0 : mbean.getExchangesFailed(), mbean == null ? 0 : mbean.getFailuresHandled(),
                    mbean == null ? 0 : mbean.getExchangesInflight(), perMinute(id, total),
                    mbean == null || mbean.getLastExchangeCreatedTimestamp() == null ? null
                            : mbean.getLastExchangeCreatedTimestamp().toInstant(),
                    lastErrors.get(id)));
        }
        views.sort(Comparator.comparing(RouteView::id));
        return views;
    }

    /** A route's exchange total at a moment. */
    private record Sample(long atMillis, long exchangesTotal) {
    }

    /** Samples every route's exchange total, so that exchanges per minute can be told. */
    @Scheduled(fixedDelay = 5000, initialDelay = 1000)
    public void sample() {
        ManagedCamelContext managed = camel.getCamelContextExtension().getContextPlugin(ManagedCamelContext.class);
        if (managed == null) {
            return;
        }
        long now = System.currentTimeMillis();
        for (Route route : camel.getRoutes()) {
            ManagedRouteMBean mbean = managed.getManagedRoute(route.getRouteId());
            if (mbean != null) {
                Deque<Sample> d = samples.computeIfAbsent(route.getRouteId(), k -> new ArrayDeque<>());
                synchronized (d) {
                    d.addLast(new Sample(now, mbean.getExchangesTotal()));
                    while (d.size() > SAMPLES) {
                        d.removeFirst();
                    }
                }
            }
        }
    }

    private long perMinute(String routeId, long totalNow) {
        Deque<Sample> d = samples.get(routeId);
        if (d == null) {
            return 0;
        }
        Sample oldest;
        synchronized (d) {
            oldest = d.peekFirst();
        }
        if (oldest == null) {
            return 0;
        }
        long elapsed = System.currentTimeMillis() - oldest.atMillis();
        long delta = Math.max(0, totalNow - oldest.exchangesTotal());
        // over a full minute of samples this is the last minute's count; before that, scaled up
        return elapsed >= 55_000 || elapsed <= 0 ? delta : Math.round(delta * 60_000.0 / Math.max(elapsed, 5_000));
    }
}
