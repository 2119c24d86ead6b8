package io.omnihub.orders;

/** An order's identity as channels know it: the hub's id, the selling channel and the channel's own order id. */
public record OrderRef(String orderId, String channel, String channelOrderId) {
}
