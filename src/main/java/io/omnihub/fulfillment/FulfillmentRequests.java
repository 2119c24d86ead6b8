package io.omnihub.fulfillment;

import io.omnihub.canonical.HubHeaders;
import org.apache.camel.Exchange;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Called by the fulfillment-requests route (bean {@code fulfillmentRequests}) once a node's request has left through
 * the node's sink: records "fulfillment request sent" on the order's timeline, once per request even when the request
 * is redelivered; and by its error configuration (fulfillment-dead-letter) when the sink failed for good: records
 * "fulfillment request failed" with the reason and the dead letter an operator can replay.
 */
@Component("fulfillmentRequests")
public class FulfillmentRequests {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final OrderTimeline timeline;

    public FulfillmentRequests(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, OrderTimeline timeline) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.timeline = timeline;
    }

    /** Records that request {@code requestId} of {@code orderId} went to {@code nodeId} through {@code sink}. */
    public void sent(String requestId, String orderId, String nodeId, String sink, String where) {
        tx.executeWithoutResult(s -> {
            int fresh = jdbc.update("insert into idempotency_key (scope, key, result) values ('fulfillment-request', :k, :r) "
                    + "on conflict do nothing", new MapSqlParameterSource("k", requestId).addValue("r", sink + " " + where));
            if (fresh == 1) {
                timeline.event(orderId, "FULFILLMENT_REQUEST_SENT", nodeId + " via " + sink + ": " + where);
            }
        });
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
        tx.executeWithoutResult(s -> timeline.event(orderId, "FULFILLMENT_REQUEST_FAILED", detail));
    }
}
