package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.FulfillmentRequest;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.orders.OrderStore;
import org.apache.camel.Exchange;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Called by the fulfillment-requests consumer ({@link FulfillmentRequestBatches}) once a poll's requests have left
 * through their nodes' sinks: records "fulfillment request sent" on each order's timeline, once per request even when
 * the request is redelivered; and by the error configuration of fulfillment-request-one (fulfillment-dead-letter) when the sink failed for good: records
 * "fulfillment request failed" with the reason and the dead letter an operator can replay.
 */
@Component("fulfillmentRequests")
public class FulfillmentRequests {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final OrderStore orders;
    private final ObjectMapper mapper;

    public FulfillmentRequests(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, OrderStore orders, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.orders = orders;
        this.mapper = mapper;
    }

    /** The request in a record of the requests topic (JSON); fulfillment-request-one sets its properties from it. */
    public FulfillmentRequest read(String json) {
        try {
            return mapper.readValue(json, FulfillmentRequest.class);
        } catch (JsonProcessingException e) {
            // as any failure of the request's route: retried, then a dead letter
            throw new IllegalArgumentException("malformed fulfillment request: " + e.getOriginalMessage(), e);
        }
    }

    /** The request as its node's sink sends it (JSON). */
    public String json(FulfillmentRequest request) {
        try {
            return mapper.writeValueAsString(request);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A request that left through its node's sink: which, for which order, to which node, how and where to. */
    public record Sent(String requestId, String orderId, String nodeId, String sink, String where) {
    }

    /** Exchange property: the request is sent as part of a poll, whose batch records it with the others. */
    public static final String IN_BATCH = "omnihub.fulfillment.inBatch";

    /**
     * The last step of fulfillment-request-one: records the request in the exchange (the properties the route set)
     * as sent, now, unless it is part of a poll ({@link #IN_BATCH}), whose batch records all its requests in one
     * transaction. A request replayed from its dead letter is recorded here.
     */
    public void recordSent(Exchange exchange) {
        if (Boolean.TRUE.equals(exchange.getProperty(IN_BATCH))) {
            return;
        }
        sent(List.of(sentOf(exchange)));
    }

    /** The request a fulfillment-request-one exchange sent, from the properties the route set. */
    static Sent sentOf(Exchange exchange) {
        return new Sent(exchange.getProperty("requestId", String.class), exchange.getProperty("orderId", String.class),
                exchange.getProperty("nodeId", String.class), exchange.getProperty("sink", String.class),
                exchange.getProperty("sentTo", String.class));
    }

    /**
     * Records that the requests of a poll went out, in one transaction and two statements whatever their number: the
     * request ids as idempotency keys and, for each one not recorded before, FULFILLMENT_REQUEST_SENT on its order's
     * timeline (so a redelivered request is not recorded twice), in the given order.
     */
    public void sent(List<Sent> requests) {
        Map<String, Sent> byId = new LinkedHashMap<>();
        requests.forEach(r -> byId.putIfAbsent(r.requestId(), r));
        if (byId.isEmpty()) {
            return;
        }
        List<Sent> once = List.copyOf(byId.values());
        tx.executeWithoutResult(s -> jdbc.update("""
                with fresh as (
                    insert into idempotency_key (scope, key, result)
                    select 'fulfillment-request', u.k, u.r from unnest(cast(:keys as text[]), cast(:results as text[])) as u(k, r)
                    on conflict do nothing
                    returning key)
                insert into order_event (order_id, kind, detail)
                select u.order_id, 'FULFILLMENT_REQUEST_SENT', u.detail
                from unnest(cast(:keys as text[]), cast(:orders as text[]), cast(:details as text[])) with ordinality as u(k, order_id, detail, n)
                join fresh f on f.key = u.k
                order by u.n""",
                new MapSqlParameterSource("keys", once.stream().map(Sent::requestId).toArray(String[]::new))
                        .addValue("results", once.stream().map(r -> r.sink() + " " + r.where()).toArray(String[]::new))
                        .addValue("orders", once.stream().map(Sent::orderId).toArray(String[]::new))
                        .addValue("details", once.stream().map(r -> r.nodeId() + " via " + r.sink() + ": " + r.where())
                                .toArray(String[]::new))));
    }

    /**
     * Records on the order's timeline that the request in {@code exchange} could not be sent: after the dead letter
     * is kept (DeadLetters.fromExchange sets its id and reason), so the timeline names what to replay. The request's
     * ids are the exchange properties the fulfillment-requests route set; a record that could not even be read has
     * no order to write to.
     */
    public void failed(Exchange exchange) {
        String orderId = exchange.getProperty("orderId", String.class);
        if (orderId == null || orderId.isBlank()) {
            return;
        }
        String nodeId = exchange.getProperty("nodeId", String.class);
        String sink = exchange.getProperty("sink", String.class);
        String reason = exchange.getMessage().getHeader(HubHeaders.ERROR_REASON, String.class);
        if (reason == null) {
            Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            reason = e == null ? "unknown error" : e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        Object deadLetter = exchange.getMessage().getHeader(HubHeaders.DEAD_LETTER_ID);
        String detail = nodeId + " via " + sink + ": " + reason
                + (deadLetter == null ? "" : " (kept as dead letter " + deadLetter + ", replay it once the node is back)");
        tx.executeWithoutResult(s -> orders.event(orderId, "FULFILLMENT_REQUEST_FAILED", detail));
    }
}
