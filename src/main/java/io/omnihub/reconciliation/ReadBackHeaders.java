package io.omnihub.reconciliation;

/** Headers a channel's read-back route reads (see connectors/marketplace-inventory-read.kamelet.yaml). */
public final class ReadBackHeaders {

    /** Where the page starts: the {@code next} of the previous page, URL-encoded; empty for the first page. */
    public static final String CURSOR = "OmnihubReadBackCursor";
    /** How many figures the page may hold at most. */
    public static final String LIMIT = "OmnihubReadBackLimit";
    /** The channel being read. */
    public static final String CHANNEL = "OmnihubReadBackChannel";

    private ReadBackHeaders() {
    }
}
