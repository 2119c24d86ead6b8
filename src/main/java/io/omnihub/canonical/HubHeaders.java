package io.omnihub.canonical;

/** Names of the Camel headers and exchange properties the hub's routes and connectors share. */
public final class HubHeaders {

    /** The channel an inbound message came from (web, marketplace, pos, ...). */
    public static final String CHANNEL = "OmnihubChannel";
    /** The source connector or route that produced a message, for dead letters. */
    public static final String SOURCE = "OmnihubSource";
    /** The hub order id once assigned. */
    public static final String ORDER_ID = "OmnihubOrderId";
    /** Error category of a dead letter (see {@link ErrorCategory}). */
    public static final String ERROR_CATEGORY = "OmnihubErrorCategory";
    /** Human-readable reason of a dead letter. */
    public static final String ERROR_REASON = "OmnihubErrorReason";
    /** The id of the dead letter the error handler kept for the message (set by DeadLetters.fromExchange). */
    public static final String DEAD_LETTER_ID = "OmnihubDeadLetterId";

    /** Exchange properties a webhook source Kamelet hands to the signature check. */
    public static final String PROP_SIGNATURE_SCHEME = "omnihub.signature.scheme";
    /** The name of the configuration property holding the signing secret (the secret itself never travels in a URI). */
    public static final String PROP_SIGNATURE_SECRET_PROPERTY = "omnihub.signature.secretProperty";
    public static final String PROP_SIGNATURE_HEADER = "omnihub.signature.header";
    public static final String PROP_MAX_BODY_BYTES = "omnihub.maxBodyBytes";
    public static final String PROP_TOLERANCE_SECONDS = "omnihub.signature.toleranceSeconds";

    /** Exchange property a source Kamelet sets to the message as it came, before any mapping: what a dead letter keeps. */
    public static final String PROP_ORIGINAL_BODY = "omnihub.originalBody";
    /**
     * Exchange property naming where a message came from, for a route whose sink drops the message's headers (an
     * HTTP sink sends none of the hub's): a dead letter's source when the {@link #SOURCE} header is gone.
     */
    public static final String PROP_SOURCE = "omnihub.source";

    private HubHeaders() {
    }
}
