package io.omnihub.canonical;

/**
 * The thing a call names (an order, a hold, a policy version, a simulation) is not stored in the hub. An API answers
 * it with 404; a message that names it is refused as an unknown reference, like any other.
 */
public class NotFoundException extends RejectedMessageException {

    public NotFoundException(String reason) {
        super(ErrorCategory.UNKNOWN_REFERENCE, reason);
    }
}
