package io.omnihub.canonical;

/**
 * How the hub hands a node what it must do (the node's {@code sink}): each sink names the route that sends a
 * request (JSON) to the node. A node whose sink is NONE has none of these.
 */
public enum NodeSink {
    /** A JSON file in the WMS's outbound folder on the SFTP server. */
    WMS_SFTP("direct:fulfillment-wms-sftp"),
    /** A POST to the store's HTTP endpoint. */
    STORE_HTTP("direct:fulfillment-store-http"),
    /** A record on the stores' Kafka topic, keyed by node. */
    STORE_KAFKA("direct:fulfillment-store-kafka"),
    /** A JSON file in the drop-ship partner's outbound folder on the SFTP server. */
    PARTNER_SFTP("direct:fulfillment-partner-sftp");

    private final String route;

    NodeSink(String route) {
        this.route = route;
    }

    /** The endpoint of the route that sends through this sink. */
    public String route() {
        return route;
    }

    /** The sink named {@code name}, or null for NONE, null or a name that is no sink. */
    public static NodeSink of(String name) {
        if (name != null) {
            for (NodeSink s : values()) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
        }
        return null;
    }
}
