package io.omnihub.marketplace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.web.HttpProblems;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.orders.IntakeResult;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The work of the {@code marketplace-order-poll-source} connector. On each tick the instance that holds the
 * marketplace's lease (a row in {@code marketplace_cursor}; other instances skip) fetches the orders changed since
 * the stored cursor, page by page, and stores them in {@code marketplace_inbox}; the cursor moves in the same
 * transaction as the last page is stored, so an order is never skipped, and the inbox's primary key makes a
 * re-fetched order a no-op. Then every inbox order not yet handled goes to the flow; once the flow has accepted
 * it the marketplace is sent an acknowledgement (retried on later ticks until it succeeds). A 429 answer stops
 * the poll until its Retry-After has passed.
 */
@Component("marketplacePoller")
public class MarketplacePoller {

    /** Exchange properties the connector sets for this bean. */
    public static final String PROP_PREFIX = "omnihub.marketplace.";
    /** Header on each order handed to the flow: the marketplace's own order id. */
    public static final String ORDER_ID = "OmnihubMarketplaceOrderId";

    private static final Logger log = LoggerFactory.getLogger(MarketplacePoller.class);
    private static final int BATCH = 200;

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final ObjectMapper mapper;
    private final DeadLetters deadLetters;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String instance = UUID.randomUUID().toString();

    public MarketplacePoller(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, ObjectMapper mapper, DeadLetters deadLetters) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.mapper = mapper;
        this.deadLetters = deadLetters;
    }

    /** The table that keeps each marketplace's poll cursor and lease. */
    public static final String CURSOR_TABLE = "marketplace_cursor";

    /** The cursor rows (at most 20), column by column, as the console shows them. */
    public List<Map<String, Object>> cursors() {
        return jdbc.queryForList("select * from marketplace_cursor limit 20", Map.of());
    }

    /** One order from the inbox, on its way to the flow. */
    public record InboxOrder(String marketplace, String orderId, String payload) {
    }

    /** The connector's configuration, read from the exchange properties it set. */
    record Config(String marketplace, String baseUrl, String ordersPath, String sinceParam, String pageTokenParam,
                  int pageSize, String ordersField, String nextField, String idField, String cursorField,
                  String authHeader, String authValue, String ackPath, int leaseSeconds, int maxPages) {

        static Config of(Exchange e) {
            return new Config(p(e, "name"), trimSlash(p(e, "baseUrl")), p(e, "ordersPath"), p(e, "sinceParam"),
                    p(e, "pageTokenParam"), Integer.parseInt(p(e, "pageSize")), p(e, "ordersField"), p(e, "nextField"),
                    p(e, "idField"), p(e, "cursorField"), p(e, "authHeader"), p(e, "authValue"), p(e, "ackPath"),
                    Integer.parseInt(p(e, "leaseSeconds")), Integer.parseInt(p(e, "maxPages")));
        }

        private static String p(Exchange e, String name) {
            String v = e.getProperty(PROP_PREFIX + name, String.class);
            return v == null ? "" : v;
        }

        private static String trimSlash(String url) {
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }
    }

    /** Fetches new orders when this instance holds the lease; the body becomes the inbox orders to hand to the flow. */
    public void poll(Exchange exchange) {
        Config c = Config.of(exchange);
        exchange.removeProperty(PROP_PREFIX + "authValue");
        exchange.getMessage().setBody(List.of());
        if (!acquireLease(c)) {
            return;
        }
        retryAcknowledgements(c);
        if (mayRequest(c.marketplace())) {
            fetch(c);
        }
        exchange.getMessage().setBody(jdbc.query("""
                select marketplace, marketplace_order_id, payload from marketplace_inbox
                where marketplace = :m and status = 'PENDING' order by received_at, marketplace_order_id limit :n""",
                new MapSqlParameterSource("m", c.marketplace()).addValue("n", BATCH),
                (rs, i) -> new InboxOrder(rs.getString(1), rs.getString(2), rs.getString(3))));
        exchange.setProperty(PROP_PREFIX + "config", c);
    }

    private boolean acquireLease(Config c) {
        jdbc.update("insert into marketplace_cursor (marketplace) values (:m) on conflict do nothing",
                new MapSqlParameterSource("m", c.marketplace()));
        int n = jdbc.update("""
                update marketplace_cursor set lease_owner = :me, lease_until = now() + make_interval(secs => :lease)
                where marketplace = :m and (lease_owner is null or lease_owner = :me or lease_until < now())""",
                new MapSqlParameterSource("m", c.marketplace()).addValue("me", instance).addValue("lease", c.leaseSeconds()));
        return n == 1;
    }

    private boolean mayRequest(String marketplace) {
        Boolean ok = jdbc.queryForObject("select not_before is null or not_before <= now() from marketplace_cursor where marketplace = :m",
                new MapSqlParameterSource("m", marketplace), Boolean.class);
        return Boolean.TRUE.equals(ok);
    }

    private void fetch(Config c) {
        String cursor = jdbc.queryForObject("select cursor from marketplace_cursor where marketplace = :m",
                new MapSqlParameterSource("m", c.marketplace()), String.class);
        String maxCursor = cursor;
        String pageToken = null;
        for (int page = 1; page <= c.maxPages(); page++) {
            StringBuilder url = new StringBuilder(c.baseUrl()).append(c.ordersPath()).append("?limit=").append(c.pageSize());
            if (cursor != null) {
                url.append('&').append(enc(c.sinceParam())).append('=').append(enc(cursor));
            }
            if (pageToken != null) {
                url.append('&').append(enc(c.pageTokenParam())).append('=').append(enc(pageToken));
            }
            HttpResponse<String> response;
            try {
                response = http.send(request(c, URI.create(url.toString())).GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                log.warn("Marketplace {}: orders request failed, will retry: {}", c.marketplace(), e.toString());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (response.statusCode() == 429) {
                long wait = retryAfterSeconds(response.headers().firstValue("Retry-After").orElse(null));
                jdbc.update("update marketplace_cursor set not_before = now() + make_interval(secs => :s) where marketplace = :m",
                        new MapSqlParameterSource("m", c.marketplace()).addValue("s", wait));
                log.warn("Marketplace {}: 429 Too Many Requests, next request in {} s", c.marketplace(), wait);
                return;
            }
            if (response.statusCode() / 100 != 2) {
                log.warn("Marketplace {}: orders request answered {}: {}", c.marketplace(), response.statusCode(),
                        abbreviate(response.body()));
                return;
            }
            JsonNode body;
            try {
                body = mapper.readTree(response.body());
            } catch (IOException e) {
                log.warn("Marketplace {}: orders response is not JSON: {}", c.marketplace(), e.getMessage());
                return;
            }
            JsonNode orders = body.path(c.ordersField());
            Map<String, String> fetched = new LinkedHashMap<>();
            List<String> unusable = new ArrayList<>();
            for (JsonNode order : orders.isArray() ? orders : mapper.createArrayNode()) {
                JsonNode id = order.path(c.idField());
                if (!id.isValueNode() || id.asText().isBlank()) {
                    unusable.add(order.toString());
                    continue;
                }
                fetched.put(id.asText(), order.toString());
                String value = order.path(c.cursorField()).asText(null);
                if (value != null && (maxCursor == null || value.compareTo(maxCursor) > 0)) {
                    maxCursor = value;
                }
            }
            for (String order : unusable) {
                deadLetters.record(c.marketplace(), "marketplace-poll", ErrorCategory.INVALID,
                        "order without " + c.idField() + " in the marketplace's response", order, Map.of());
            }
            JsonNode next = body.path(c.nextField());
            pageToken = next.isValueNode() && !next.asText().isBlank() ? next.asText() : null;
            boolean last = pageToken == null || page == c.maxPages();
            String newCursor = maxCursor;
            tx.executeWithoutResult(status -> {
                for (Map.Entry<String, String> o : fetched.entrySet()) {
                    jdbc.update("""
                            insert into marketplace_inbox (marketplace, marketplace_order_id, payload)
                            values (:m, :id, :payload) on conflict do nothing""",
                            new MapSqlParameterSource("m", c.marketplace()).addValue("id", o.getKey()).addValue("payload", o.getValue()));
                }
                if (last) {
                    jdbc.update("update marketplace_cursor set cursor = :cursor, updated_at = now() where marketplace = :m",
                            new MapSqlParameterSource("m", c.marketplace()).addValue("cursor", newCursor));
                }
            });
            if (last) {
                return;
            }
        }
    }

    /** Before an order enters the flow: its payload as the body, its marketplace id as a header. */
    public void orderIn(Exchange exchange) {
        InboxOrder order = exchange.getMessage().getBody(InboxOrder.class);
        exchange.getMessage().removeHeader(HubHeaders.ERROR_REASON);
        exchange.getMessage().setHeader(HubHeaders.SOURCE, order.marketplace());
        exchange.getMessage().setHeader(ORDER_ID, order.orderId());
        exchange.setProperty(PROP_PREFIX + "order", order);
        jdbc.update("update marketplace_inbox set attempts = attempts + 1, updated_at = now() where marketplace = :m and marketplace_order_id = :id",
                new MapSqlParameterSource("m", order.marketplace()).addValue("id", order.orderId()));
        exchange.getMessage().setBody(order.payload());
    }

    /** The flow returned: accepted (then acknowledged to the marketplace), or dead-lettered by its error handler. */
    public void orderDone(Exchange exchange) {
        InboxOrder order = exchange.getProperty(PROP_PREFIX + "order", InboxOrder.class);
        String reason = exchange.getMessage().getHeader(HubHeaders.ERROR_REASON, String.class);
        if (reason != null) {
            reject(order, reason);
            return;
        }
        Object body = exchange.getMessage().getBody();
        String hubOrderId = body instanceof IntakeResult r ? r.orderId() : null;
        jdbc.update("""
                update marketplace_inbox set status = 'ACCEPTED', hub_order_id = :hub, updated_at = now()
                where marketplace = :m and marketplace_order_id = :id and status = 'PENDING'""",
                new MapSqlParameterSource("m", order.marketplace()).addValue("id", order.orderId()).addValue("hub", hubOrderId));
        Config c = exchange.getProperty(PROP_PREFIX + "config", Config.class);
        acknowledge(c, order.orderId(), hubOrderId);
    }

    /** The flow threw without handling it: the order is a dead letter. */
    public void orderFailed(Exchange exchange) {
        InboxOrder order = exchange.getProperty(PROP_PREFIX + "order", InboxOrder.class);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = e instanceof RejectedMessageException r ? r.reason() : String.valueOf(e);
        deadLetters.record(order.marketplace(), exchange.getFromRouteId(), HttpProblems.categorize(e), reason, order.payload(),
                Map.of(ORDER_ID, order.orderId()));
        reject(order, reason);
    }

    private void reject(InboxOrder order, String reason) {
        jdbc.update("""
                update marketplace_inbox set status = 'REJECTED', last_error = :reason, updated_at = now()
                where marketplace = :m and marketplace_order_id = :id""",
                new MapSqlParameterSource("m", order.marketplace()).addValue("id", order.orderId()).addValue("reason", reason));
    }

    private void retryAcknowledgements(Config c) {
        List<Map<String, Object>> owed = jdbc.queryForList("""
                select marketplace_order_id, hub_order_id from marketplace_inbox
                where marketplace = :m and status = 'ACCEPTED' order by updated_at limit :n""",
                new MapSqlParameterSource("m", c.marketplace()).addValue("n", BATCH));
        for (Map<String, Object> row : owed) {
            acknowledge(c, (String) row.get("marketplace_order_id"), (String) row.get("hub_order_id"));
        }
    }

    private void acknowledge(Config c, String marketplaceOrderId, String hubOrderId) {
        String url = c.baseUrl() + c.ackPath().replace("{id}", enc(marketplaceOrderId));
        String body = mapper.createObjectNode().put("orderId", marketplaceOrderId).put("status", "ACCEPTED")
                .put("hubOrderId", hubOrderId).toString();
        String error;
        try {
            HttpResponse<String> response = http.send(request(c, URI.create(url))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 == 2) {
                jdbc.update("""
                        update marketplace_inbox set status = 'ACKED', last_error = null, updated_at = now()
                        where marketplace = :m and marketplace_order_id = :id""",
                        new MapSqlParameterSource("m", c.marketplace()).addValue("id", marketplaceOrderId));
                return;
            }
            error = "acknowledgement answered " + response.statusCode();
        } catch (IOException e) {
            error = "acknowledgement failed: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        log.warn("Marketplace {}: order {} accepted, {}; retried on the next poll", c.marketplace(), marketplaceOrderId, error);
        jdbc.update("update marketplace_inbox set last_error = :e, updated_at = now() where marketplace = :m and marketplace_order_id = :id",
                new MapSqlParameterSource("m", c.marketplace()).addValue("id", marketplaceOrderId).addValue("e", error));
    }

    private HttpRequest.Builder request(Config c, URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).header("Accept", "application/json");
        if (!c.authHeader().isBlank() && !c.authValue().isBlank()) {
            b.header(c.authHeader(), c.authValue());
        }
        return b;
    }

    /** Seconds to wait from a Retry-After header (seconds or an HTTP date); 5 when absent or unreadable, at most an hour. */
    static long retryAfterSeconds(String header) {
        if (header == null || header.isBlank()) {
            return 5;
        }
        try {
            return Math.max(0, Math.min(3600, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            try {
                long s = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME)).toSeconds();
                return Math.max(0, Math.min(3600, s));
            } catch (RuntimeException ex) {
                return 5;
            }
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
