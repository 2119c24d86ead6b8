package io.omnihub.reconciliation;

/**
 * Why a channel shows another figure than the hub says it should, as far as the delivery history tells.
 */
public enum DriftCause {
    /** The hub's current figure never reached the channel: its delivery went DEAD (an outage longer than the retries) or none was ever made. */
    NEVER_DELIVERED,
    /** The channel acknowledged the current figure but shows an older one the hub delivered before, or none at all. */
    NOT_APPLIED,
    /** The channel acknowledged the current figure and now shows one the hub never sent: edited at the channel. */
    CHANGED_AT_CHANNEL
}
