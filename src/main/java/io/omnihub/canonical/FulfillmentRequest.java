package io.omnihub.canonical;

import java.time.Instant;
import java.util.List;

/**
 * What a node must ship for one routed order: written by routing to {@code omnihub.fulfillment-requests.v1} and sent
 * as JSON through the node's sink ({@code sink}: a {@link NodeSink} name, or NONE). {@code requestId} names the
 * order, the node and the routing decision's number.
 */
public record FulfillmentRequest(String requestId, String orderId, String channel, String channelOrderId, String nodeId,
                                 String sink, FulfillmentType fulfillmentType, String pickupStore, Customer customer,
                                 Address shipTo, List<Line> lines, Instant requestedAt) {

    /** Units of one order line the node ships. */
    public record Line(int lineNo, String sku, int quantity) {
    }
}
