package io.omnihub.channels;

/** How figures and order statuses reach a channel, and what each kind of sink takes. */
public enum SinkType {

    /** Signed Standard Webhooks callbacks. */
    WEBHOOK(true, true),
    /** The marketplace's stock and order APIs. */
    MARKETPLACE(true, true),
    /** A Kafka topic; the channel reads order statuses from the status topic itself. */
    KAFKA(true, false),
    /** A CSV file on the SFTP server, written in batches by the feed's own route; it carries stock only. */
    SFTP_FEED(false, false);

    private final boolean pumped;
    private final boolean takesOrderStatuses;

    SinkType(boolean pumped, boolean takesOrderStatuses) {
        this.pumped = pumped;
        this.takesOrderStatuses = takesOrderStatuses;
    }

    /** Whether the delivery pump sends deliveries to this sink one by one. */
    public boolean pumped() {
        return pumped;
    }

    /** Whether order statuses can be delivered to this sink. */
    public boolean takesOrderStatuses() {
        return takesOrderStatuses;
    }
}
