package io.omnihub.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Candidate;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.RoutingDecision.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DecisionNarratorTest {

    final ObjectMapper mapper = new ObjectMapper();

    List<DecisionNarrator.Sentence> narrate(String json) throws Exception {
        return DecisionNarrator.narrate(mapper.readTree(json));
    }

    @Test
    void shouldLeadARouterDecisionWithItsSummaryThenTheNodesTheRuleThePolicyAndEveryCandidateInWords() {
        RoutingDecision decision = new RoutingDecision("web-1", "3", RoutingDecision.Outcome.ROUTED,
                List.of(new Shipment("ST-MAN", "stores within 10 miles",
                        List.of(new Allocation(1, "SKU-1001", 2, 1), new Allocation(2, "SKU-1002", 1, 1)))),
                List.of(new Candidate("ST-MAN", "STORE", "stores within 10 miles", 1, 1.2, 0.8123, Verdict.CHOSEN,
                                "can ship the whole order; ranked 1"),
                        new Candidate("ST-BRK", "STORE", "stores within 10 miles", 2, 4.5, 1.4, Verdict.KEPT,
                                "could ship the whole order; ranked 2"),
                        new Candidate("ST-LIC", "STORE", "stores within 10 miles", 0, 14.2, null, Verdict.DROPPED,
                                "14.2 miles away, beyond the 10-mile radius"),
                        new Candidate("DS-ACME", "DROPSHIP", "drop-ship fallback", 0, null, null, Verdict.DROPPED,
                                "no stock to promise: SKU-1001 0 of 2")),
                "Routed to ST-MAN (rule \"stores within 10 miles\"): the best-ranked node that can ship the whole order.");

        List<DecisionNarrator.Sentence> s = DecisionNarrator.narrate(mapper.valueToTree(decision));

        assertThat(s).extracting(DecisionNarrator.Sentence::text).containsExactly(
                "Routed to ST-MAN (rule \"stores within 10 miles\"): the best-ranked node that can ship the whole order.",
                "ST-MAN (store) ships line 1: 2 × SKU-1001; line 2: 1 × SKU-1002, under rule \"stores within 10 miles\".",
                "The rule that applied: \"stores within 10 miles\".",
                "Decided by routing policy version 3, the policy in force.",
                "ST-MAN (store, rule \"stores within 10 miles\") was chosen — rank 1, score 0.81, 1.20 miles away: can ship the whole order; ranked 1.",
                "ST-BRK (store, rule \"stores within 10 miles\") was kept but not needed — rank 2, score 1.40, 4.50 miles away: could ship the whole order; ranked 2.",
                "ST-LIC (store, rule \"stores within 10 miles\") was dropped: 14.2 miles away, beyond the 10-mile radius.",
                "DS-ACME (drop-ship partner, rule \"drop-ship fallback\") was dropped: no stock to promise: SKU-1001 0 of 2.");
        assertThat(s).extracting(DecisionNarrator.Sentence::kind)
                .containsExactly("summary", "ships", "rule", "policy", "chosen", "kept", "dropped", "dropped");
        assertThat(s).extracting(DecisionNarrator.Sentence::text).noneMatch(t -> t.contains("{") || t.contains("allocations"));
    }

    @Test
    void shouldTellASplitPilotDecisionAndAnUnfulfillableOne() {
        RoutingDecision split = new RoutingDecision("web-2", "7", RoutingDecision.Outcome.ROUTED,
                List.of(new Shipment("WH-NJ1", "warehouse", List.of(new Allocation(1, "SKU-1", 1, 0))),
                        new Shipment("DS-ACME", "drop-ship fallback", List.of(new Allocation(2, "SKU-2", 3, 0)))),
                List.of(), "Split across 2 nodes (DS-ACME, WH-NJ1): no single node has every line; this is the fewest nodes that can.")
                .asPilot();
        assertThat(DecisionNarrator.narrate(mapper.valueToTree(split))).extracting(DecisionNarrator.Sentence::text).containsExactly(
                "Split across 2 nodes (DS-ACME, WH-NJ1): no single node has every line; this is the fewest nodes that can.",
                "WH-NJ1 ships line 1: 1 × SKU-1, under rule \"warehouse\".",
                "DS-ACME ships line 2: 3 × SKU-2, under rule \"drop-ship fallback\".",
                "The rules that applied: \"warehouse\", \"drop-ship fallback\".",
                "Decided by routing policy version 7, a candidate policy piloted on this order.",
                "Split into 2 shipments.");

        RoutingDecision none = new RoutingDecision("web-3", "1", RoutingDecision.Outcome.UNFULFILLABLE, List.of(),
                List.of(new Candidate("WH-NJ1", "WAREHOUSE", "warehouse", 0, 3.0, null, Verdict.DROPPED, "no stock to promise: SKU-1 0 of 1")),
                "Unfulfillable: every candidate was dropped (see each reason).");
        assertThat(DecisionNarrator.narrate(mapper.valueToTree(none))).extracting(DecisionNarrator.Sentence::kind)
                .containsExactly("summary", "outcome", "policy", "dropped");
    }

    @Test
    void shouldReadAnOtherShapeGenerically() throws Exception {
        List<DecisionNarrator.Sentence> s = narrate("""
                {"outcome": "ROUTED", "rule": "stores within 10 miles", "split": false,
                 "chosen": [{"nodeId": "ST-MAN", "lines": [1]}],
                 "candidates": [
                   {"nodeId": "ST-MAN", "kept": true, "score": 0.8123, "distanceKm": 1.2, "reason": "closest store with stock"},
                   {"nodeId": "ST-BRK", "kept": false, "reason": "not enough stock: ATP 0 < 2"}]}""");

        assertThat(s).extracting(DecisionNarrator.Sentence::text).containsExactly(
                "Outcome: ROUTED.",
                "The rule that applied: stores within 10 miles.",
                "Fulfilled by ST-MAN (lines [1]).",
                "ST-MAN was kept (score 0.81, distance km 1.20): closest store with stock.",
                "ST-BRK was dropped: not enough stock: ATP 0 < 2.",
                "Split: false.");
    }

    @Test
    void shouldFindCandidatesNestedPerLineAndReadStatusWords() throws Exception {
        List<DecisionNarrator.Sentence> s = narrate("""
                {"lines": [{"lineNo": 2, "candidates": [{"node": "WH-NJ1", "status": "SELECTED"},
                                                       {"node": "DS-ACME", "status": "FILTERED", "filter": "daily cap reached"}]}]}""");

        assertThat(s).extracting(DecisionNarrator.Sentence::text).containsExactly(
                "For line 2, WH-NJ1 was kept.",
                "For line 2, DS-ACME was dropped: daily cap reached.");
    }

    @Test
    void shouldSayNothingForNoDecisionAndStateUnknownShapesAsTheyAre() throws Exception {
        assertThat(DecisionNarrator.narrate(null)).isEmpty();
        assertThat(narrate("\"held\"")).extracting(DecisionNarrator.Sentence::text).containsExactly("Decision: held.");
        assertThat(narrate("{\"policyVersion\": 3, \"candidates\": [\"ST-MAN\"]}"))
                .extracting(DecisionNarrator.Sentence::text)
                .containsExactly("candidate ST-MAN.", "Policy version: 3.");
    }
}
