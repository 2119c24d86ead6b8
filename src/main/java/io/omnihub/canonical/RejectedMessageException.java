package io.omnihub.canonical;

/**
 * A message the hub refuses for a permanent reason (bad signature, malformed, schema violation, unknown
 * reference, too large). The reason names the problem so the sender can fix it.
 */
public class RejectedMessageException extends RuntimeException {

    private final ErrorCategory category;

    public RejectedMessageException(ErrorCategory category, String reason) {
        super(reason);
        this.category = category;
    }

    public ErrorCategory category() {
        return category;
    }

    public String reason() {
        return getMessage();
    }
}
