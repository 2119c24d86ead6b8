package io.omnihub.fulfillment;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Called by the fulfillment sink routes (bean {@code fulfillmentRequests}) once a node's request has left: records
 * "fulfillment request sent" on the order's timeline, once per request even when the request is redelivered.
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
}
