package io.omnihub.canonical;

/** Why a message could not be processed; decides its HTTP status and whether to retry. */
public enum ErrorCategory {
    /** Signature missing or wrong: 401, never retried. */
    UNAUTHENTICATED(401, false),
    /** Malformed or schema-violating input: 400, never retried. */
    INVALID(400, false),
    /** References something the hub does not know (sku, node, order): 422, never retried. */
    UNKNOWN_REFERENCE(422, false),
    /** Larger than allowed: 413, never retried. */
    TOO_LARGE(413, false),
    /** A part the hub depends on is unavailable: 503, retried. */
    UNAVAILABLE(503, true),
    /** Anything else: 500, retried. */
    INTERNAL(500, true);

    private final int httpStatus;
    private final boolean transientError;

    ErrorCategory(int httpStatus, boolean transientError) {
        this.httpStatus = httpStatus;
        this.transientError = transientError;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public boolean isTransient() {
        return transientError;
    }
}
