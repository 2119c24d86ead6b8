package io.omnihub.bench;

import io.omnihub.canonical.Address;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.policy.PolicyDocuments;
import io.omnihub.policy.SimulationEngine;
import io.omnihub.policy.SimulationReport;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.StockView;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Not a test (excluded from mvn verify by name): prints how many past orders per second the what-if simulation
 * engine replays, on synthetic orders (1 to 3 lines over 500 skus, five node kinds like the demo network, the
 * repository policy, stock receipts interleaved). Run: {@code mvn -o test -Dtest=SimulationBenchmark -Dbench.orders=100000}.
 */
class SimulationBenchmark {

    @Test
    void simulatedOrdersPerSecond() throws Exception {
        int n = Integer.getInteger("bench.orders", 100_000);
        RoutingPolicy policy = new PolicyDocuments().require(Files.readString(Path.of("routing/policy.yaml")), "1");
        Map<String, StockView.Node> nodes = new HashMap<>();
        nodes.put("WH-NJ1", new StockView.Node("WH-NJ1", StockView.NodeType.WAREHOUSE, 40.7895, -74.0565, Set.of("SHIP_TO_HOME"), true, null, 0, 0, 4.5, 0));
        Set<String> store = Set.of("SHIP_TO_HOME", "PICKUP_IN_STORE", "CURBSIDE", "SAME_DAY", "SHIP_FROM_STORE");
        nodes.put("ST-MAN", new StockView.Node("ST-MAN", StockView.NodeType.STORE, 40.7549, -73.9840, store, true, 20_000, 0, 2, 7.0, 0));
        nodes.put("ST-BRK", new StockView.Node("ST-BRK", StockView.NodeType.STORE, 40.6959, -73.9956, store, true, 15_000, 0, 2, 7.0, 0));
        nodes.put("ST-LIC", new StockView.Node("ST-LIC", StockView.NodeType.STORE, 40.7447, -73.9485, store, true, 10_000, 0, 1, 6.5, 0));
        nodes.put("DS-ACME", new StockView.Node("DS-ACME", StockView.NodeType.DROPSHIP, 41.8781, -87.6298, Set.of("SHIP_TO_HOME"), true, null, 0, 0, 9.0, 0));
        Random random = new Random(42);
        int skus = 500;
        Map<String, Map<String, StockView.SkuStock>> stock = new HashMap<>();
        for (String node : nodes.keySet()) {
            Map<String, StockView.SkuStock> bySku = new HashMap<>();
            for (int s = 0; s < skus; s++) {
                bySku.put("SKU-" + s, new StockView.SkuStock(random.nextInt(n / skus + 1), 0, null));
            }
            stock.put(node, bySku);
        }
        Instant t0 = Instant.parse("2026-11-20T00:00:00Z");
        FulfillmentType[] types = FulfillmentType.values();
        String[] stores = {"ST-MAN", "ST-BRK", "ST-LIC"};
        List<SimulationEngine.OrderArrival> orders = new ArrayList<>(n);
        List<SimulationEngine.StockChange> receipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instant at = t0.plusMillis(i * 50L);
            List<OrderLine> lines = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int l = 1; l <= count; l++) {
                lines.add(new OrderLine(l, "SKU-" + random.nextInt(skus), 1 + random.nextInt(2), BigDecimal.TEN));
            }
            FulfillmentType type = random.nextInt(10) < 7 ? FulfillmentType.SHIP_TO_HOME : types[random.nextInt(types.length)];
            Address to = new Address(null, null, null, "New York", "NY", null, "US",
                    40.6 + random.nextDouble() * 0.3, -74.1 + random.nextDouble() * 0.3);
            String id = "SIM-" + i;
            orders.add(new SimulationEngine.OrderArrival(at, new CanonicalOrder(id, "web", id, at, null, to, type,
                    type == FulfillmentType.PICKUP_IN_STORE || type == FulfillmentType.CURBSIDE ? stores[random.nextInt(3)] : null,
                    lines, "USD"), null));
            if (i % 20 == 0) {
                receipts.add(new SimulationEngine.StockChange(at.plusMillis(1), "WH-NJ1", "SKU-" + random.nextInt(skus), 5, 0));
            }
        }
        SimulationEngine.Start start = new SimulationEngine.Start(nodes,
                Map.of("web", new SimulationEngine.Channel("web", true, List.copyOf(new java.util.TreeSet<>(nodes.keySet())))),
                stock, Map.of(), Map.of(), t0);
        List<SimulationEngine.Event> events = SimulationEngine.merge(orders, receipts);

        new SimulationEngine().run(start, events.subList(0, Math.min(events.size(), 5_000)), policy, null);
        long began = System.nanoTime();
        SimulationReport report = new SimulationEngine().run(start, events, policy, null);
        double seconds = (System.nanoTime() - began) / 1e9;
        System.out.printf("SimulationBenchmark: %,d orders (%,d stock changes) simulated in %.2f s = %,.0f orders/s; routed %,d, "
                        + "unfulfillable %,d, split rate %.3f, per node type %s%n",
                n, receipts.size(), seconds, n / seconds, report.simulated().routed(), report.simulated().unfulfillable(),
                report.simulated().splitRate(), report.simulated().ordersPerNodeType());
    }
}
