package io.omnihub.reconciliation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.delivery.DeliveryDispatcher;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one page of a channel's current figures through the channel's read-back route (a Camel route declared in
 * the channel's route file, e.g. {@code direct:channel-marketplace-inventory}). The route answers the channel's page
 * as JSON, {@code {"items": [{"sku": ..., "available": ...}], "next": cursor or null}}; a channel with another format
 * maps it in its route. A 429 becomes {@link RateLimited} with the channel's Retry-After.
 */
@Component
public class ChannelReadBack {

    /** One figure as the channel shows it. */
    public record Figure(String sku, int available) {
    }

    /** One page: its figures and where the next one starts (null: this was the last). */
    public record Page(List<Figure> items, String next) {
    }

    /** The channel asked us to slow down: ask again after {@code waitMs}. */
    public static final class RateLimited extends RuntimeException {
        private final long waitMs;

        RateLimited(long waitMs, Throwable cause) {
            super("rate limited by the channel, retry after " + waitMs + " ms", cause);
            this.waitMs = waitMs;
        }

        public long waitMs() {
            return waitMs;
        }
    }

    private final ProducerTemplate producer;
    private final ObjectMapper mapper;

    public ChannelReadBack(ProducerTemplate producer, ObjectMapper mapper) {
        this.producer = producer;
        this.mapper = mapper;
    }

    /**
     * The page of {@code channel} starting at {@code cursor} (null for the first), at most {@code limit} figures.
     * {@code fallbackWaitMs}: the wait after a 429 that names none.
     */
    public Page read(String route, String channel, String cursor, int limit, long fallbackWaitMs) {
        Exchange result = producer.send(route, exchange -> {
            exchange.getMessage().setHeader(ReadBackHeaders.CHANNEL, channel);
            exchange.getMessage().setHeader(ReadBackHeaders.LIMIT, limit);
            exchange.getMessage().setHeader(ReadBackHeaders.CURSOR,
                    cursor == null ? "" : URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        });
        Throwable failure = DeliveryDispatcher.failureOf(result);
        if (failure != null) {
            HttpOperationFailedException http = httpFailure(failure);
            if (http != null && http.getStatusCode() == 429) {
                throw new RateLimited(DeliveryDispatcher.retryAfterMs(http.getResponseHeaders(), fallbackWaitMs), failure);
            }
            throw new IllegalStateException("read-back of " + channel + " failed: "
                    + (http != null ? "HTTP " + http.getStatusCode() + " " + http.getStatusText() : failure.toString()), failure);
        }
        return parse(result.getMessage().getBody(String.class));
    }

    Page parse(String body) {
        try {
            JsonNode root = mapper.readTree(body == null ? "{}" : body);
            List<Figure> items = new ArrayList<>();
            for (JsonNode item : root.path("items")) {
                String sku = item.path("sku").asText(null);
                if (sku != null && item.path("available").isNumber()) {
                    items.add(new Figure(sku, item.path("available").asInt()));
                }
            }
            JsonNode next = root.path("next");
            return new Page(items, next.isTextual() && !next.asText().isEmpty() ? next.asText() : null);
        } catch (IOException e) {
            throw new IllegalStateException("the channel's read-back page is not JSON: " + e.getMessage(), e);
        }
    }

    private static HttpOperationFailedException httpFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpOperationFailedException h) {
                return h;
            }
        }
        return null;
    }
}
