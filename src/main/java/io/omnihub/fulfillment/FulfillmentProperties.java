package io.omnihub.fulfillment;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Operational settings of live routing and fulfillment ({@code omnihub.fulfillment.*}); the routing policy
 * itself is {@code omnihub.routing.*}.
 *
 * @param maxAttempts          routing attempts per order when the reservation loses a race for stock
 * @param retryIntervalMs      how often unfulfillable (and stuck) orders are checked for a retry
 * @param retryBatch           orders retried per check
 * @param stuckAfterSeconds    a RECEIVED or REJECTED order untouched this long is routed by the retry job
 * @param retryRereadSeconds   each retry check reads again the stock gains of this last while (see {@link PendingOrders})
 * @param retryFullPassMinutes every unfulfillable order is checked at start and this often, not only those with new gains
 * @param holdExpiryIntervalMs how often expired holds are released
 * @param holdDefaultMinutes   a hold's lifetime when the request names none
 * @param requestsTopic        internal topic of fulfillment requests, keyed by node
 */
@ConfigurationProperties(prefix = "omnihub.fulfillment")
public record FulfillmentProperties(
        @DefaultValue("20") int maxAttempts,
        @DefaultValue("2000") long retryIntervalMs,
        @DefaultValue("200") int retryBatch,
        @DefaultValue("60") int stuckAfterSeconds,
        @DefaultValue("10") int retryRereadSeconds,
        @DefaultValue("10") int retryFullPassMinutes,
        @DefaultValue("5000") long holdExpiryIntervalMs,
        @DefaultValue("30") int holdDefaultMinutes,
        @DefaultValue("omnihub.fulfillment-requests.v1") String requestsTopic) {
}
