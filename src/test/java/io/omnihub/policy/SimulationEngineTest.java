package io.omnihub.policy;

import io.omnihub.canonical.Address;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.RoutingPolicy.Rule;
import io.omnihub.routing.RoutingPolicy.Source;
import io.omnihub.routing.StockView;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The what-if engine on scenarios small enough to check by hand. */
class SimulationEngineTest {

    static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    static final Address MIDTOWN = new Address("Ada", "350 5th Ave", null, "New York", "NY", "10118", "US", 40.7484, -73.9857);

    static final Map<String, StockView.Node> NODES = Map.of(
            "WH", new StockView.Node("WH", StockView.NodeType.WAREHOUSE, 40.7895, -74.0565, Set.of("SHIP_TO_HOME"), true, null, 0, 0, 4.5, 0),
            "ST", new StockView.Node("ST", StockView.NodeType.STORE, 40.7549, -73.9840, Set.of("SHIP_TO_HOME", "SHIP_FROM_STORE"), true, 2, 0, 0, 7.0, 0));

    static RoutingPolicy policy(String version, Source... shipToHome) {
        List<Rule> rules = new ArrayList<>();
        for (Source s : shipToHome) {
            rules.add(new Rule(s.name().toLowerCase(), s, null));
        }
        List<Rule> other = List.of(new Rule("any", Source.SAME_DAY_NODES, 50.0));
        return new RoutingPolicy(version, Map.of(FulfillmentType.SHIP_TO_HOME, rules, FulfillmentType.PICKUP_IN_STORE, other,
                FulfillmentType.CURBSIDE, other, FulfillmentType.SAME_DAY, other),
                new RoutingPolicy.Scoring(1.0, 2.0, 0.0), new RoutingPolicy.Split(true, Map.of(), 2), Map.of());
    }

    static CanonicalOrder order(String id, String sku, int qty) {
        return new CanonicalOrder(id, "web", id, T0, null, MIDTOWN, FulfillmentType.SHIP_TO_HOME, null,
                List.of(new OrderLine(1, sku, qty, BigDecimal.TEN)), "USD");
    }

    static SimulationEngine.Start start(int wh, int st) {
        Map<String, Map<String, StockView.SkuStock>> stock = new HashMap<>();
        stock.put("WH", Map.of("A", new StockView.SkuStock(wh, 0, null)));
        stock.put("ST", Map.of("A", new StockView.SkuStock(st, 0, null)));
        return new SimulationEngine.Start(NODES, Map.of("web", new SimulationEngine.Channel("web", true, List.of("WH", "ST"))),
                stock, Map.of(), Map.of(), T0);
    }

    static SimulationEngine.OrderArrival arrival(int minute, String id, RoutingDecision recorded) {
        return new SimulationEngine.OrderArrival(T0.plusSeconds(60L * minute), order(id, "A", 1), recorded);
    }

    static RoutingDecision recordedAt(String id, String node) {
        return new RoutingDecision(id, "1", RoutingDecision.Outcome.ROUTED,
                List.of(new RoutingDecision.Shipment(node, "r", List.of(new RoutingDecision.Allocation(1, "A", 1, 0)))), List.of(), "recorded");
    }

    @Test
    void shouldHoldReservationsInMemorySoTheNextOrderSeesThem() {
        List<SimulationEngine.Event> events = SimulationEngine.merge(List.of(arrival(1, "o1", null), arrival(2, "o2", null), arrival(3, "o3", null)), List.of());
        SimulationReport r = new SimulationEngine().run(start(1, 1), events, policy("2", Source.WAREHOUSE, Source.SHIP_FROM_STORE), null);
        assertThat(r.simulated().ordersPerNode()).containsExactlyInAnyOrderEntriesOf(Map.of("WH", 1, "ST", 1));
        assertThat(r.simulated().unfulfillable()).isEqualTo(1);
        assertThat(r.simulated().costPerOrder()).isEqualTo(5.75);
        assertThat(r.simulated().ordersPerNodeType()).containsEntry("WAREHOUSE", 1).containsEntry("STORE", 1);
    }

    @Test
    void shouldApplyTheWindowsStockChangesInTheirPlace() {
        // the warehouse starts empty, receives one unit between the first and the second order
        List<SimulationEngine.Event> events = SimulationEngine.merge(List.of(arrival(1, "o1", null), arrival(3, "o2", null)),
                List.of(new SimulationEngine.StockChange(T0.plusSeconds(120), "WH", "A", 1, 0)));
        SimulationReport r = new SimulationEngine().run(start(0, 0), events, policy("2", Source.WAREHOUSE), null);
        assertThat(r.changed()).extracting(SimulationReport.Changed::orderId).containsExactly("o1", "o2");
        assertThat(r.changed().get(0).simulatedOutcome()).isEqualTo("UNFULFILLABLE");
        assertThat(r.changed().get(1).simulatedNodes()).containsExactly("WH");
    }

    @Test
    void shouldReproduceTheRecordedDecisionsWithTheSamePolicyAndReportTheChangesOfAnother() {
        // "record" a window by routing it with the router one order at a time, reserving as live routing does
        RoutingPolicy active = policy("1", Source.WAREHOUSE, Source.SHIP_FROM_STORE);
        List<SimulationEngine.OrderArrival> window = new ArrayList<>();
        int[] wh = {2};
        int[] st = {3};
        for (int i = 0; i < 6; i++) {
            CanonicalOrder o = order("o" + i, "A", 1);
            StockView.Node store = NODES.get("ST");
            Map<String, StockView.Node> nodes = Map.of("WH", NODES.get("WH"), "ST", new StockView.Node("ST", store.type(),
                    store.latitude(), store.longitude(), store.capabilities(), true, store.dailyOrderCap(), 3 - st[0], 0, 7.0, 0));
            StockView view = new StockView(new StockView.Channel("web", true), nodes, Map.of(
                    "WH", Map.of("A", new StockView.SkuStock(2, 2 - wh[0], null)),
                    "ST", Map.of("A", new StockView.SkuStock(3, 3 - st[0], null))), Set.of());
            RoutingDecision d = new OrderRouter().route(o, view, active);
            if (d.routed()) {
                if (d.shipments().get(0).nodeId().equals("WH")) {
                    wh[0]--;
                } else {
                    st[0]--;
                }
            }
            window.add(new SimulationEngine.OrderArrival(T0.plusSeconds(i), o, d));
        }
        List<SimulationEngine.Event> events = SimulationEngine.merge(window, List.of());

        SimulationReport same = new SimulationEngine().run(start(2, 3), events, active, null);
        assertThat(same.changedCount()).isZero();
        assertThat(same.simulated()).isEqualTo(same.actual());
        assertThat(same.actual().ordersPerNode()).isEqualTo(Map.of("WH", 2, "ST", 2));
        assertThat(same.actual().unfulfillable()).isEqualTo(2);
        assertThat(same.actual().overDailyCap()).isZero();

        // caps raised for the store: one more order served there, over the store's own cap of 2
        RoutingPolicy raised = policy("8", Source.WAREHOUSE, Source.SHIP_FROM_STORE);
        raised = new RoutingPolicy("8", raised.rules(), raised.scoring(), raised.split(), Map.of("ST", new RoutingPolicy.NodeOverride(3, null)));
        SimulationReport capsRaised = new SimulationEngine().run(start(2, 3), events, raised, null);
        assertThat(capsRaised.changedCount()).isEqualTo(1);
        assertThat(capsRaised.simulated().overDailyCap()).isEqualTo(1);
        assertThat(capsRaised.simulated().ordersPerNode()).containsEntry("ST", 3);

        SimulationReport noStores = new SimulationEngine().run(start(2, 3), events, policy("9", Source.WAREHOUSE), null);
        assertThat(noStores.changedCount()).isEqualTo(2);
        assertThat(noStores.changed()).allSatisfy(c -> {
            assertThat(c.actualNodes()).containsExactly("ST");
            assertThat(c.simulatedOutcome()).isEqualTo("UNFULFILLABLE");
            assertThat(c.actualSummary()).isNotBlank();
            assertThat(c.simulatedSummary()).startsWith("Unfulfillable");
        });
        assertThat(noStores.simulated().unfulfillable()).isEqualTo(4);
        assertThat(noStores.simulated().ordersPerNodeType()).isEqualTo(Map.of("WAREHOUSE", 2));
        assertThat(noStores.simulated().overDailyCap()).isZero();
    }

    @Test
    void shouldStopWhenCancelled() {
        List<SimulationEngine.OrderArrival> many = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            many.add(arrival(i, "o" + i, recordedAt("o" + i, "WH")));
        }
        int[] calls = {0};
        SimulationReport r = new SimulationEngine().run(start(5000, 0), SimulationEngine.merge(many, List.of()),
                policy("2", Source.WAREHOUSE), (done, total) -> {
                    calls[0]++;
                    assertThat(total).isEqualTo(2000);
                    return done < 1000;
                });
        assertThat(r).isNull();
        assertThat(calls[0]).isEqualTo(2);
    }

    @Test
    void shouldMeasureDistanceAndSplits() {
        CanonicalOrder two = new CanonicalOrder("s1", "web", "s1", T0, null, MIDTOWN, FulfillmentType.SHIP_TO_HOME, null,
                List.of(new OrderLine(1, "A", 1, BigDecimal.TEN), new OrderLine(2, "B", 1, BigDecimal.TEN)), "USD");
        Map<String, Map<String, StockView.SkuStock>> stock = Map.of("WH", Map.of("A", new StockView.SkuStock(1, 0, null)),
                "ST", Map.of("B", new StockView.SkuStock(1, 0, null)));
        SimulationEngine.Start s = new SimulationEngine.Start(NODES, Map.of("web", new SimulationEngine.Channel("web", true, List.of("WH", "ST"))),
                stock, Map.of(), Map.of(), T0);
        SimulationReport r = new SimulationEngine().run(s, List.of(new SimulationEngine.OrderArrival(T0, two, null)),
                policy("2", Source.WAREHOUSE, Source.SHIP_FROM_STORE), null);
        assertThat(r.simulated().splitRate()).isEqualTo(1.0);
        assertThat(r.simulated().shipmentsPerOrder()).isEqualTo(2.0);
        assertThat(r.simulated().avgDistanceMiles()).isBetween(1.0, 10.0);
        assertThat(r.simulated().p95DistanceMiles()).isGreaterThan(r.simulated().avgDistanceMiles());
        assertThat(r.actual().undecided()).isEqualTo(1);
    }
}
