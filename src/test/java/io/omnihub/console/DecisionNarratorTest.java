package io.omnihub.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DecisionNarratorTest {

    final ObjectMapper mapper = new ObjectMapper();

    List<DecisionNarrator.Sentence> narrate(String json) throws Exception {
        return DecisionNarrator.narrate(mapper.readTree(json));
    }

    @Test
    void shouldTellTheRuleTheChosenNodeAndWhyEachCandidateWasKeptOrDropped() throws Exception {
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
        assertThat(s).extracting(DecisionNarrator.Sentence::kind)
                .containsExactly("outcome", "rule", "chosen", "kept", "dropped", "info");
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
