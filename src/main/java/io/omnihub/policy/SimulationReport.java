package io.omnihub.policy;

import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.StockView;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The result of a simulation, side by side with what actually happened: per side, orders per node and node type,
 * split rate and shipments per order, average and 95th-percentile distance, cost per order, unfulfillable orders
 * and orders over a store's own daily cap; and the orders whose node changed, each with both explanations.
 * Built incrementally, so memory does not grow with the decisions' detail. With a fidelity pass, orders that the
 * replay of their own recorded policy does not reproduce are listed apart, with the reason, and are never counted
 * as changed: what remains in the changed list is the candidate's effect.
 */
public final class SimulationReport {

    /** The most changed orders listed (all are counted). */
    public static final int MAX_CHANGED = 1000;

    private final String policyVersion;
    private final Side simulated;
    private final Side actual;
    private final List<Changed> changed = new ArrayList<>();
    private int changedCount;
    private int orders;
    private final boolean fidelityChecked;
    private final List<Unreproducible> unreproducible = new ArrayList<>();
    private int unreproducibleCount;
    private int decided;

    /** An order whose recorded decision the replay of its own policy does not reproduce, and why. */
    public record Unreproducible(String orderId, Instant receivedAt, String reason) {
    }

    /**
     * How faithful the replay is: of the decided orders, how many the recorded policies reproduce.
     *
     * @param checked false when no fidelity pass ran (nothing is known)
     */
    public record Fidelity(boolean checked, int decided, int reproduced, int unreproducibleCount, List<Unreproducible> unreproducible) {
    }

    /** One order whose outcome or nodes differ. */
    public record Changed(String orderId, Instant receivedAt, String actualOutcome, List<String> actualNodes,
                          String actualSummary, String simulatedOutcome, List<String> simulatedNodes, String simulatedSummary) {
    }

    /** The figures of one side. */
    public record Figures(int orders, int routed, int unfulfillable, int undecided, Map<String, Integer> ordersPerNode,
                          Map<String, Integer> ordersPerNodeType, double splitRate, double shipmentsPerOrder,
                          Double avgDistanceMiles, Double p95DistanceMiles, double costPerOrder, int overDailyCap) {
    }

    SimulationReport(String policyVersion, Map<String, StockView.Node> nodes, Map<String, Integer> ordersOnDay, LocalDate firstDay,
                     boolean fidelityChecked) {
        this.policyVersion = policyVersion;
        this.fidelityChecked = fidelityChecked;
        this.simulated = new Side(nodes, ordersOnDay, firstDay);
        this.actual = new Side(nodes, ordersOnDay, firstDay);
    }

    /**
     * One order: its simulated and recorded decisions, and the reason it cannot be reproduced (null when it can, or
     * when no fidelity pass ran).
     */
    void add(String orderId, Instant at, RoutingDecision sim, RoutingDecision recorded, String unreproducibleReason) {
        orders++;
        simulated.add(sim, at);
        actual.add(recorded, at);
        if (recorded != null) {
            decided++;
        }
        if (unreproducibleReason != null) {
            unreproducibleCount++;
            if (unreproducible.size() < MAX_CHANGED) {
                unreproducible.add(new Unreproducible(orderId, at, unreproducibleReason));
            }
            return;
        }
        List<String> simNodes = nodes(sim);
        List<String> actNodes = nodes(recorded);
        String simOutcome = outcome(sim);
        String actOutcome = outcome(recorded);
        if (!sameDecision(sim, recorded)) {
            changedCount++;
            if (changed.size() < MAX_CHANGED) {
                changed.add(new Changed(orderId, at, actOutcome, actNodes, recorded == null ? null : recorded.summary(),
                        simOutcome, simNodes, sim == null ? null : sim.summary()));
            }
        }
    }

    SimulationReport finish() {
        return this;
    }

    public String policyVersion() {
        return policyVersion;
    }

    public int orders() {
        return orders;
    }

    public Figures simulated() {
        return simulated.figures();
    }

    public Figures actual() {
        return actual.figures();
    }

    public List<Changed> changed() {
        return changed;
    }

    public int changedCount() {
        return changedCount;
    }

    public Fidelity fidelity() {
        return new Fidelity(fidelityChecked, decided, decided - unreproducibleCount, unreproducibleCount, List.copyOf(unreproducible));
    }

    /** Two decisions agree when they have the same outcome and every node ships the same units of the same lines. */
    static boolean sameDecision(RoutingDecision a, RoutingDecision b) {
        return outcome(a).equals(outcome(b)) && shipments(a).equals(shipments(b));
    }

    /** A decision in a few words: its outcome and nodes. */
    static String describe(RoutingDecision d) {
        List<String> nodes = nodes(d);
        return outcome(d) + (nodes.isEmpty() ? "" : " to " + String.join(", ", nodes));
    }

    static List<String> nodes(RoutingDecision d) {
        return d == null || !d.routed() ? List.of() : d.shipments().stream().map(RoutingDecision.Shipment::nodeId).sorted().toList();
    }

    /** What each node ships, line by line: two decisions agree when these are equal. */
    static List<String> shipments(RoutingDecision d) {
        if (d == null || !d.routed()) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (RoutingDecision.Shipment s : d.shipments()) {
            for (RoutingDecision.Allocation a : s.allocations()) {
                keys.add(s.nodeId() + "/" + a.lineNo() + "/" + a.sku() + "/" + a.quantity());
            }
        }
        keys.sort(null);
        return keys;
    }

    static String outcome(RoutingDecision d) {
        return d == null ? "UNDECIDED" : d.outcome().name();
    }

    /** Accumulates one side's figures. */
    private static final class Side {
        final Map<String, StockView.Node> nodes;
        final Map<String, Map<LocalDate, Integer>> daily = new HashMap<>();
        final Map<String, Integer> perNode = new TreeMap<>();
        final Map<String, Integer> perType = new TreeMap<>();
        final Distances distances = new Distances();
        int orders;
        int routed;
        int unfulfillable;
        int undecided;
        int split;
        int shipments;
        double cost;
        int overCap;

        Side(Map<String, StockView.Node> nodes, Map<String, Integer> ordersOnDay, LocalDate firstDay) {
            this.nodes = nodes;
            ordersOnDay.forEach((n, c) -> daily.computeIfAbsent(n, k -> new HashMap<>()).put(firstDay, c));
        }

        void add(RoutingDecision d, Instant at) {
            orders++;
            if (d == null) {
                undecided++;
                return;
            }
            if (!d.routed()) {
                unfulfillable++;
                return;
            }
            routed++;
            shipments += d.shipments().size();
            if (d.shipments().size() > 1) {
                split++;
            }
            boolean over = false;
            LocalDate day = SimulationEngine.day(at);
            for (RoutingDecision.Shipment s : d.shipments()) {
                StockView.Node n = nodes.get(s.nodeId());
                perNode.merge(s.nodeId(), 1, Integer::sum);
                perType.merge(n == null ? "UNKNOWN" : n.type().name(), 1, Integer::sum);
                cost += n == null ? 0 : n.costPerOrder();
                int count = daily.computeIfAbsent(s.nodeId(), k -> new HashMap<>()).merge(day, 1, Integer::sum);
                if (n != null && n.type() == StockView.NodeType.STORE && n.dailyOrderCap() != null && count > n.dailyOrderCap()) {
                    over = true;
                }
                d.candidates().stream().filter(c -> c.nodeId().equals(s.nodeId()) && c.distanceMiles() != null)
                        .findFirst().ifPresent(c -> distance(c.distanceMiles()));
            }
            if (over) {
                overCap++;
            }
        }

        void distance(double miles) {
            distances.add(miles);
        }

        Figures figures() {
            Double avg = distances.average();
            Double p95 = distances.p95();
            return new Figures(orders, routed, unfulfillable, undecided, Map.copyOf(perNode), Map.copyOf(perType),
                    routed == 0 ? 0 : round((double) split / routed), routed == 0 ? 0 : round((double) shipments / routed),
                    avg, p95, routed == 0 ? 0 : round(cost / routed), overCap);
        }
    }

    static double round(double d) {
        return Math.round(d * 1000.0) / 1000.0;
    }

    @Override
    public String toString() {
        return "simulated " + simulated() + " vs actual " + actual() + ", not reproducible " + unreproducibleCount
                + ", changed " + changedCount + ": "
                + changed.stream().limit(5).map(Changed::orderId).collect(Collectors.joining(", "));
    }
}
