package io.omnihub.delivery;

/** Camel headers the dispatcher sets on a delivery exchange for the channel sink routes and Kamelets. */
public final class DeliveryHeaders {

    /** The delivery row id; also the Standard Webhooks {@code webhook-id} (stable across retries). */
    public static final String ID = "OmnihubDeliveryId";
    /** ATS or ORDER_STATUS. */
    public static final String KIND = "OmnihubDeliveryKind";
    /** The event type named in a webhook envelope: inventory.available or order.status. */
    public static final String EVENT_TYPE = "OmnihubEventType";
    /** The channel delivered to. */
    public static final String CHANNEL = "OmnihubChannel";
    /** The sku of an ATS figure. */
    public static final String SKU = "OmnihubSku";
    /** The path below a channel API's base URL: inventory/{sku} or orders/{order}/status. */
    public static final String PATH = "OmnihubDeliveryPath";
    /** The figure's sequence number. */
    public static final String SEQUENCE = "OmnihubSequence";
    /**
     * Exchange property (not a header: it must never reach a channel or a dead letter, which keeps headers) holding a webhook channel's
     * signing secret, set by the channel's route from configuration and consumed by {@link ChannelSigner#sign}.
     */
    public static final String SIGNING_SECRET = "omnihub.callback.secret";
    /** The Kafka key of a figure on omnihub.ats.v1: channel:sku. */
    public static final String KAFKA_KEY = "kafka.KEY";

    private DeliveryHeaders() {
    }
}
