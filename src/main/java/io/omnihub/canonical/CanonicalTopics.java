package io.omnihub.canonical;

import java.util.List;

/** The hub's canonical Kafka topics, their keys noted. */
public final class CanonicalTopics {

    /** key: hub order id, value: CanonicalOrder. */
    public static final String ORDERS = "omnihub.orders.v1";
    /** key: sku, value: StockEvent. */
    public static final String STOCK_EVENTS = "omnihub.stock-events.v1";
    /** key: order id, value: ReturnEvent. */
    public static final String RETURNS = "omnihub.returns.v1";
    /** key: order id, value: OrderStatus. */
    public static final String ORDER_STATUS = "omnihub.order-status.v1";
    /** key: channel + ":" + sku, value: AvailableToSell. */
    public static final String ATS = "omnihub.ats.v1";
    /** key: source id, value: the original message, error in headers. */
    public static final String DEAD_LETTERS = "omnihub.dead-letters.v1";
    /** key: order id, value: Shipment (a node's shipment confirmation with carrier and tracking). */
    public static final String SHIPMENTS = "omnihub.shipments.v1";

    public static final List<String> ALL = List.of(ORDERS, STOCK_EVENTS, RETURNS, ORDER_STATUS, ATS, DEAD_LETTERS, SHIPMENTS);

    private CanonicalTopics() {
    }
}
