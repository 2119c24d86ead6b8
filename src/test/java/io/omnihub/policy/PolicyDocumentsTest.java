package io.omnihub.policy;

import io.omnihub.routing.RoutingPolicy;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyDocumentsTest {

    final PolicyDocuments docs = new PolicyDocuments();

    static final String VALID = """
            rules:
              SHIP_TO_HOME: [{name: warehouse, source: WAREHOUSE}]
              PICKUP_IN_STORE: [{name: pickup store, source: PICKUP_STORE}]
              CURBSIDE: [{name: curbside store, source: PICKUP_STORE}]
              SAME_DAY: [{name: same day, source: SAME_DAY_NODES, radiusMiles: 15}]
            scoring: {distance: 1, cost: 2, load: 0}
            split: {defaultAllowed: true, maxShipments: 2}
            """;

    InvalidPolicyException.Problem only(String text) {
        try {
            docs.require(text, "x");
        } catch (InvalidPolicyException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("expected the document to be refused");
    }

    @Test
    void shouldReadTheRepositoryPolicyFileWrappedInOmnihubRouting() throws Exception {
        RoutingPolicy p = docs.require(Files.readString(Path.of("routing/policy.yaml")), "1");
        assertThat(p.version()).isEqualTo("1");
        assertThat(p.rulesFor(io.omnihub.canonical.FulfillmentType.SHIP_TO_HOME)).extracting(RoutingPolicy.Rule::name)
                .containsExactly("warehouse", "ship from store", "drop-ship");
        assertThat(p.splitAllowed("marketplace")).isFalse();
    }

    @Test
    void shouldReadYamlAndJsonAlike() {
        RoutingPolicy fromYaml = docs.require(VALID, "7");
        RoutingPolicy fromJson = docs.require(docs.toTree(fromYaml).toString(), "7");
        assertThat(fromJson).isEqualTo(fromYaml);
        assertThat(docs.require(docs.toYaml(fromYaml), "7")).isEqualTo(fromYaml);
    }

    @Nested
    class Refusals {

        @Test
        void shouldNameANegativeRadius() {
            InvalidPolicyException.Problem p = only(VALID.replace("radiusMiles: 15", "radiusMiles: -3"));
            assertThat(p.path()).isEqualTo("$.rules.SAME_DAY[0].radiusMiles");
            assertThat(p.reason()).contains("0");
        }

        @Test
        void shouldNameAnUnknownSource() {
            InvalidPolicyException.Problem p = only(VALID.replace("source: WAREHOUSE", "source: ATTIC"));
            assertThat(p.path()).isEqualTo("$.rules.SHIP_TO_HOME[0].source");
            assertThat(p.reason()).contains("enum");
        }

        @Test
        void shouldNameAMissingKey() {
            InvalidPolicyException.Problem p = only(VALID.replace("scoring: {distance: 1, cost: 2, load: 0}", "scoring: {distance: 1, load: 0}"));
            assertThat(p).isEqualTo(new InvalidPolicyException.Problem("$.scoring.cost", "is required"));
        }

        @Test
        void shouldNameAnUnknownKey() {
            InvalidPolicyException.Problem p = only(VALID.replace("maxShipments: 2", "maxShipments: 2, maxShipmnts: 3"));
            assertThat(p).isEqualTo(new InvalidPolicyException.Problem("$.split.maxShipmnts", "is not a known key here"));
        }

        @Test
        void shouldNameAWrongType() {
            InvalidPolicyException.Problem p = only(VALID.replace("defaultAllowed: true", "defaultAllowed: sometimes"));
            assertThat(p.path()).isEqualTo("$.split.defaultAllowed");
            assertThat(p.reason()).contains("boolean");
        }

        @Test
        void shouldApplyTheRoutersOwnRules() {
            // valid for the schema, but a pickup-store rule cannot serve ship-to-home orders
            InvalidPolicyException.Problem p = only(VALID.replace("[{name: warehouse, source: WAREHOUSE}]",
                    "[{name: warehouse, source: PICKUP_STORE}]"));
            assertThat(p.path()).isEqualTo("$.rules.SHIP_TO_HOME[0].source");
            assertThat(p.reason()).contains("PICKUP_STORE only applies");
        }

        @Test
        void shouldRefuseUnreadableText() {
            assertThatThrownBy(() -> docs.require("rules: [unclosed", "x")).isInstanceOf(InvalidPolicyException.class)
                    .hasMessageContaining("not readable");
            assertThatThrownBy(() -> docs.require("  ", "x")).hasMessageContaining("empty");
        }
    }
}
