package io.omnihub.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.omnihub.canonical.Address;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.routing.RoutingDecision.Candidate;
import io.omnihub.routing.RoutingDecision.Outcome;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.RoutingDecision.Verdict;
import io.omnihub.routing.RoutingPolicy.NodeOverride;
import io.omnihub.routing.StockView.Node;
import io.omnihub.routing.StockView.NodeType;
import io.omnihub.routing.StockView.SkuStock;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The router as a retailer would state its rules; plain Java, no Spring, no database. */
class OrderRouterTest {

    static final String ALL_STORE = "SHIP_TO_HOME,PICKUP_IN_STORE,CURBSIDE,SAME_DAY,SHIP_FROM_STORE";
    /** Times Square: about 0.5 miles from ST-MAN, 4 from ST-BRK. */
    static final Address MIDTOWN = new Address("Ada", "1 Times Sq", null, "New York", "NY", "10036", "US", 40.7580, -73.9855);

    final OrderRouter router = new OrderRouter();
    final RoutingPolicy policy = filePolicy();

    /** The shipped routing/policy.yaml, read as a document: proves the file reads straight into the record tree. */
    static RoutingPolicy filePolicy() {
        try {
            ObjectMapper yaml = new YAMLMapper().findAndRegisterModules();
            JsonNode doc = yaml.readTree(new File("routing/policy.yaml")).at("/omnihub/routing");
            RoutingPolicy p = yaml.treeToValue(doc, RoutingPolicy.class);
            assertThat(p.validate("omnihub.routing")).isEmpty();
            return p;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builds a view: nodes like the demo data, stock set per test. */
    static final class World {
        final Map<String, Node> nodes = new LinkedHashMap<>();
        final Map<String, Map<String, SkuStock>> stock = new HashMap<>();
        final Set<String> excluded = new java.util.HashSet<>();
        boolean allowSplit = true;
        String channel = "web";

        World() {
            node("WH-NJ1", NodeType.WAREHOUSE, 40.7895, -74.0565, "SHIP_TO_HOME", null, 0, 4.5);
            node("ST-MAN", NodeType.STORE, 40.7549, -73.9840, ALL_STORE, 200, 0, 7.0);
            node("ST-BRK", NodeType.STORE, 40.6959, -73.9956, ALL_STORE, 150, 0, 7.0);
            node("ST-LIC", NodeType.STORE, 40.7447, -73.9485, "SHIP_TO_HOME,PICKUP_IN_STORE,SAME_DAY,SHIP_FROM_STORE", 100, 0, 6.5);
            node("ST-STM", NodeType.STORE, 41.0534, -73.5387, ALL_STORE, 100, 0, 6.0); // Stamford, ~30 miles
            node("DS-ACME", NodeType.DROPSHIP, 41.8781, -87.6298, "SHIP_TO_HOME", null, 0, 9.0);
        }

        World node(String id, NodeType type, double lat, double lon, String caps, Integer cap, int safety, double cost) {
            nodes.put(id, new Node(id, type, lat, lon, Set.of(caps.split(",")), true, cap, 0, safety, cost, 0));
            return this;
        }

        World with(String id, java.util.function.UnaryOperator<Node> change) {
            nodes.put(id, change.apply(nodes.get(id)));
            return this;
        }

        World stock(String node, String sku, int onHand) {
            return stock(node, sku, onHand, 0, null);
        }

        World stock(String node, String sku, int onHand, int reserved, Integer safety) {
            stock.computeIfAbsent(node, k -> new HashMap<>()).put(sku, new SkuStock(onHand, reserved, safety));
            return this;
        }

        StockView view() {
            return new StockView(new StockView.Channel(channel, allowSplit), nodes, stock, excluded);
        }
    }

    static CanonicalOrder order(FulfillmentType type, String pickupStore, Object... skuAndQty) {
        return order("web", type, pickupStore, skuAndQty);
    }

    static CanonicalOrder order(String channel, FulfillmentType type, String pickupStore, Object... skuAndQty) {
        List<OrderLine> lines = new ArrayList<>();
        for (int i = 0; i < skuAndQty.length; i += 2) {
            lines.add(new OrderLine(i / 2 + 1, (String) skuAndQty[i], (Integer) skuAndQty[i + 1], BigDecimal.TEN));
        }
        return new CanonicalOrder("OH-TEST", channel, "c-1", null, null, MIDTOWN, type, pickupStore, lines, "USD");
    }

    static List<String> nodesOf(RoutingDecision d) {
        return d.shipments().stream().map(Shipment::nodeId).toList();
    }

    static Candidate candidate(RoutingDecision d, String node) {
        return d.candidates().stream().filter(c -> c.nodeId().equals(node)).findFirst().orElseThrow();
    }

    @Nested
    class Pickup {

        @Test
        void shouldRouteToTheChosenStoreWhenItHasTheItem() {
            World w = new World().stock("ST-MAN", "A", 3).stock("ST-LIC", "A", 9);
            RoutingDecision d = router.route(order(FulfillmentType.PICKUP_IN_STORE, "ST-MAN", "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-MAN");
            assertThat(d.shipments().get(0).rule()).isEqualTo("pickup store");
            assertThat(candidate(d, "ST-MAN").verdict()).isEqualTo(Verdict.CHOSEN);
        }

        @Test
        void pickupStoreOutOfStockAStoreFourMilesAwayHasItRoutedThere() {
            World w = new World().stock("ST-MAN", "A", 0).stock("ST-BRK", "A", 5).stock("ST-STM", "A", 50);
            RoutingDecision d = router.route(order(FulfillmentType.PICKUP_IN_STORE, "ST-MAN", "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-BRK");
            assertThat(d.shipments().get(0).rule()).isEqualTo("stores within 10 miles");
            assertThat(candidate(d, "ST-BRK").distanceMiles()).isBetween(3.5, 4.5);
            assertThat(candidate(d, "ST-MAN").reason()).contains("no stock to promise").contains("A: 0 to promise");
            assertThat(candidate(d, "ST-STM").verdict()).isEqualTo(Verdict.DROPPED);
            assertThat(candidate(d, "ST-STM").reason()).contains("beyond the 10-mile radius");
        }

        @Test
        void noStoreNearbyHasItOfferShipFromWarehouse() {
            World w = new World().stock("WH-NJ1", "A", 10).stock("ST-STM", "A", 10);
            RoutingDecision d = router.route(order(FulfillmentType.PICKUP_IN_STORE, "ST-MAN", "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("WH-NJ1");
            assertThat(d.shipments().get(0).rule()).isEqualTo("warehouse");
        }

        @Test
        void curbsideOnlyFromStoresOfferingCurbside() {
            // ST-LIC does not offer curbside even though it is closest and stocked
            World w = new World().stock("ST-LIC", "A", 10).stock("ST-BRK", "A", 10);
            RoutingDecision d = router.route(order(FulfillmentType.CURBSIDE, "ST-MAN", "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-BRK");
            assertThat(candidate(d, "ST-LIC").reason()).isEqualTo("does not offer curbside");
        }
    }

    @Nested
    class ShipToHome {

        @Test
        void shouldPreferTheWarehouse() {
            World w = new World().stock("WH-NJ1", "A", 10).stock("ST-MAN", "A", 10);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 2), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("WH-NJ1");
            assertThat(d.shipments().get(0).allocations()).singleElement()
                    .satisfies(a -> assertThat(a.quantity()).isEqualTo(2));
            assertThat(candidate(d, "ST-MAN").verdict()).isEqualTo(Verdict.KEPT);
        }

        @Test
        void warehouseOutStoreHasItShipFromStore() {
            World w = new World().stock("WH-NJ1", "A", 0).stock("ST-BRK", "A", 4);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 2), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-BRK");
            assertThat(d.shipments().get(0).rule()).isEqualTo("ship from store");
            assertThat(candidate(d, "WH-NJ1").verdict()).isEqualTo(Verdict.DROPPED);
        }

        @Test
        void nothingInWarehouseOrStoresDropShip() {
            World w = new World().stock("DS-ACME", "A", 100);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 2), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("DS-ACME");
            assertThat(d.shipments().get(0).rule()).isEqualTo("drop-ship");
        }

        @Test
        void storeAtItsDailyCapIsSkipped() {
            World w = new World().stock("ST-MAN", "A", 5).stock("ST-LIC", "A", 5)
                    .with("ST-MAN", n -> new Node(n.id(), n.type(), n.latitude(), n.longitude(), n.capabilities(), true,
                            200, 200, 0, 1.0, 0));
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
            assertThat(candidate(d, "ST-MAN").reason()).isEqualTo("at its daily cap (200 of 200 orders today)");
        }

        @Test
        void policyCapOverrideApplies() {
            RoutingPolicy capped = new RoutingPolicy(policy.version(), policy.rules(), policy.scoring(), policy.split(),
                    Map.of("WH-NJ1", new NodeOverride(0, null)));
            World w = new World().stock("WH-NJ1", "A", 5).stock("ST-LIC", "A", 5);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), capped);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
            assertThat(candidate(d, "WH-NJ1").reason()).contains("daily cap (0 of 0");
        }

        @Test
        void policySafetyStockOverrideAppliesEvenWithALowerCasedKey() {
            // configuration binding may lower-case map keys
            RoutingPolicy kept = new RoutingPolicy(policy.version(), policy.rules(), policy.scoring(), policy.split(),
                    Map.of("wh-nj1", new NodeOverride(null, 3)));
            World w = new World().stock("WH-NJ1", "A", 4).stock("ST-LIC", "A", 5);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 2), w.view(), kept);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
            assertThat(candidate(d, "WH-NJ1").reason()).contains("1 to promise (on hand 4, reserved 0, safety stock 3)");
        }

        @Test
        void safetyStockTwoOnHandTwoNotOffered() {
            World w = new World().stock("ST-MAN", "A", 2, 0, 2);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.UNFULFILLABLE);
            assertThat(candidate(d, "ST-MAN").reason())
                    .isEqualTo("no stock to promise: A: 0 to promise (on hand 2, reserved 0, safety stock 2), needs 1");
        }

        @Test
        void reservedUnitsAreNotPromisedTwice() {
            World w = new World().stock("WH-NJ1", "A", 5, 4, null).stock("ST-LIC", "A", 5);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 2), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
        }

        @Test
        void disabledNodeIsNeverChosen() {
            World w = new World().stock("WH-NJ1", "A", 5).stock("ST-LIC", "A", 5)
                    .with("WH-NJ1", n -> new Node(n.id(), n.type(), n.latitude(), n.longitude(), n.capabilities(), false,
                            null, 0, 0, 4.5, 0));
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
            assertThat(candidate(d, "WH-NJ1").reason()).isEqualTo("node is disabled");
        }

        @Test
        void aNodeThatRejectedTheOrderIsNotChosenAgain() {
            World w = new World().stock("WH-NJ1", "A", 5).stock("ST-LIC", "A", 5);
            w.excluded.add("WH-NJ1");
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-LIC");
            assertThat(candidate(d, "WH-NJ1").reason()).isEqualTo("rejected this order earlier");
        }

        @Test
        void insideARuleTheNearestCheapestLeastLoadedStoreWins() {
            // ship from store: ST-MAN is 0.2 miles away, ST-BRK 4 miles; same cost and load
            World w = new World().stock("ST-MAN", "A", 5).stock("ST-BRK", "A", 5);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-MAN");
            assertThat(candidate(d, "ST-MAN").score()).isLessThan(candidate(d, "ST-BRK").score());
            // load counts too: ST-MAN with 100 open orders loses to ST-BRK
            w.with("ST-MAN", n -> new Node(n.id(), n.type(), n.latitude(), n.longitude(), n.capabilities(), true,
                    200, 0, 0, 7.0, 100));
            assertThat(nodesOf(router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy)))
                    .containsExactly("ST-BRK");
        }

        @Test
        void tiesAreBrokenByNodeIdEveryTime() {
            World w = new World()
                    .node("ST-B", NodeType.STORE, 40.0, -74.0, ALL_STORE, null, 0, 5.0)
                    .node("ST-A", NodeType.STORE, 40.0, -74.0, ALL_STORE, null, 0, 5.0)
                    .stock("ST-B", "A", 5).stock("ST-A", "A", 5);
            w.nodes.keySet().removeIf(id -> !id.startsWith("ST-A") && !id.startsWith("ST-B"));
            for (int i = 0; i < 20; i++) {
                RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
                assertThat(nodesOf(d)).containsExactly("ST-A");
                assertThat(d).isEqualTo(router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy));
            }
        }
    }

    @Nested
    class Splitting {

        @Test
        void threeItemBundleNoSingleNodeHasAllSplitInTwoShipmentsNotThree() {
            // the warehouse has A and B, Manhattan has C only, Brooklyn has B and C, LIC has A only
            World w = new World()
                    .stock("WH-NJ1", "A", 5).stock("WH-NJ1", "B", 5)
                    .stock("ST-MAN", "C", 5)
                    .stock("ST-BRK", "B", 5).stock("ST-BRK", "C", 5)
                    .stock("ST-LIC", "A", 5);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1, "B", 1, "C", 1), w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.ROUTED);
            assertThat(d.shipments()).hasSize(2);
            assertThat(nodesOf(d)).containsExactly("WH-NJ1", "ST-MAN");
            assertThat(d.shipments().stream().flatMap(s -> s.allocations().stream()).mapToInt(a -> a.quantity()).sum()).isEqualTo(3);
            assertThat(d.summary()).contains("Split across 2 nodes");
        }

        @Test
        void oneLineMayBeSplitByUnitsWhenNoNodeHasEnough() {
            World w = new World().stock("WH-NJ1", "A", 3).stock("ST-MAN", "A", 2);
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 5), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("WH-NJ1", "ST-MAN");
            assertThat(d.shipments().get(0).allocations().get(0).quantity()).isEqualTo(3);
            assertThat(d.shipments().get(1).allocations().get(0).quantity()).isEqualTo(2);
        }

        @Test
        void aChannelThatDoesNotSplitGetsUnfulfillable() {
            World w = new World().stock("WH-NJ1", "A", 5).stock("DS-ACME", "B", 5);
            w.allowSplit = false;
            w.channel = "marketplace";
            RoutingDecision d = router.route(order("marketplace", FulfillmentType.SHIP_TO_HOME, null, "A", 1, "B", 1), w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.UNFULFILLABLE);
            assertThat(d.shipments()).isEmpty();
            assertThat(d.summary()).contains("does not allow split orders");
        }

        @Test
        void thePolicyCanForbidSplittingForAChannelThatWouldAllowIt() {
            World w = new World().stock("WH-NJ1", "A", 5).stock("DS-ACME", "B", 5);
            w.channel = "pos";
            RoutingDecision d = router.route(order("pos", FulfillmentType.SHIP_TO_HOME, null, "A", 1, "B", 1), w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.UNFULFILLABLE);
            assertThat(d.summary()).contains("the policy does not allow splitting pos orders");
        }

        @Test
        void nothingAnywhereIsUnfulfillableWithEveryCandidateExplained() {
            World w = new World();
            RoutingDecision d = router.route(order(FulfillmentType.SHIP_TO_HOME, null, "A", 1), w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.UNFULFILLABLE);
            assertThat(d.candidates()).extracting(Candidate::nodeId)
                    .containsExactly("WH-NJ1", "ST-BRK", "ST-LIC", "ST-MAN", "ST-STM", "DS-ACME");
            assertThat(d.candidates()).allSatisfy(c -> {
                assertThat(c.verdict()).isEqualTo(Verdict.DROPPED);
                assertThat(c.reason()).isNotBlank();
            });
        }
    }

    @Nested
    class SameDay {

        @Test
        void onlyNodesWithinTheSameDayRadius() {
            // the warehouse does not offer same day; Stamford is 30 miles away; Brooklyn is 4 miles away
            World w = new World().stock("WH-NJ1", "A", 9).stock("ST-STM", "A", 9).stock("ST-BRK", "A", 9);
            RoutingDecision d = router.route(order(FulfillmentType.SAME_DAY, null, "A", 1), w.view(), policy);
            assertThat(nodesOf(d)).containsExactly("ST-BRK");
            assertThat(candidate(d, "WH-NJ1").reason()).isEqualTo("does not offer same day");
            assertThat(candidate(d, "ST-STM").reason()).contains("beyond the 15-mile radius");
        }

        @Test
        void sameDayWithoutCoordinatesIsUnfulfillableAndSaysWhy() {
            World w = new World().stock("ST-BRK", "A", 9);
            CanonicalOrder noGeo = order(FulfillmentType.SAME_DAY, null, "A", 1);
            noGeo = new CanonicalOrder(noGeo.orderId(), noGeo.channel(), noGeo.channelOrderId(), null, null,
                    new Address("Ada", "x", null, "NYC", "NY", "1", "US", null, null), FulfillmentType.SAME_DAY, null, noGeo.lines(), "USD");
            RoutingDecision d = router.route(noGeo, w.view(), policy);
            assertThat(d.outcome()).isEqualTo(Outcome.UNFULFILLABLE);
            assertThat(candidate(d, "ST-BRK").reason()).contains("no coordinates");
        }
    }

    @Nested
    class PolicyValidation {

        @Test
        void shouldNameEveryBrokenKey() {
            RoutingPolicy bad = new RoutingPolicy("", Map.of(FulfillmentType.SAME_DAY,
                    List.of(new RoutingPolicy.Rule("x", RoutingPolicy.Source.SAME_DAY_NODES, -3.0))),
                    new RoutingPolicy.Scoring(1.0, -1.0, null), new RoutingPolicy.Split(true, Map.of(), 0),
                    Map.of("ST-MAN", new NodeOverride(-1, null)));
            assertThat(bad.validate("omnihub.routing")).contains(
                    "omnihub.routing.version: is required (a label recorded with every decision)",
                    "omnihub.routing.rules.SAME_DAY[0].radiusMiles: must be positive, was -3.0",
                    "omnihub.routing.rules.SHIP_TO_HOME: needs at least one rule (orders of this type could never be routed)",
                    "omnihub.routing.scoring.cost: must be zero or positive, was -1.0",
                    "omnihub.routing.scoring.load: is required",
                    "omnihub.routing.split.maxShipments: must be between 1 and 10, was 0",
                    "omnihub.routing.nodes.ST-MAN.dailyOrderCap: cannot be negative, was -1");
        }
    }
}
