package io.omnihub.routing;

import java.util.List;

/**
 * What the router decided for one order, and why: the shipments (node and units per line) when the order can be
 * served, and every candidate it considered with its rule, score and the reason it was kept, chosen or dropped,
 * in words an operator can read.
 *
 * @param orderId       the order
 * @param policyVersion the policy that decided
 * @param outcome       ROUTED or UNFULFILLABLE
 * @param shipments     one per chosen node; empty when unfulfillable
 * @param candidates    every node considered, in the order considered
 * @param summary       one sentence: where and why, or why not
 * @param pilot         true when a piloted candidate policy decided (null otherwise)
 */
public record RoutingDecision(
        String orderId,
        String policyVersion,
        Outcome outcome,
        List<Shipment> shipments,
        List<Candidate> candidates,
        String summary,
        Boolean pilot) {

    /** A decision of the policy in force (not a pilot). */
    public RoutingDecision(String orderId, String policyVersion, Outcome outcome, List<Shipment> shipments,
                           List<Candidate> candidates, String summary) {
        this(orderId, policyVersion, outcome, shipments, candidates, summary, null);
    }

    /** The same decision, marked as taken by a piloted policy. */
    public RoutingDecision asPilot() {
        return new RoutingDecision(orderId, policyVersion, outcome, shipments, candidates, summary, Boolean.TRUE);
    }

    public enum Outcome { ROUTED, UNFULFILLABLE }

    /** CHOSEN: serves (part of) the order; KEPT: could serve, not needed; DROPPED: could not serve. */
    public enum Verdict { CHOSEN, KEPT, DROPPED }

    /** Units of one line taken from one node. */
    public record Allocation(int lineNo, String sku, int quantity, int safetyStock) {
    }

    /** What one node ships. */
    public record Shipment(String nodeId, String rule, List<Allocation> allocations) {
    }

    /**
     * @param distanceMiles from the reference point (pickup store or ship-to), null when unknown
     * @param score         lower is better; null when dropped before scoring
     */
    public record Candidate(String nodeId, String nodeType, String rule, int rank, Double distanceMiles, Double score,
                            Verdict verdict, String reason) {
    }

    public boolean routed() {
        return outcome == Outcome.ROUTED;
    }

    public boolean split() {
        return shipments.size() > 1;
    }
}
