package io.omnihub.routing;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.routing.RoutingDecision.Allocation;
import io.omnihub.routing.RoutingDecision.Candidate;
import io.omnihub.routing.RoutingDecision.Outcome;
import io.omnihub.routing.RoutingDecision.Shipment;
import io.omnihub.routing.RoutingDecision.Verdict;
import io.omnihub.routing.RoutingPolicy.Rule;
import io.omnihub.routing.StockView.Node;
import io.omnihub.routing.StockView.NodeType;
import io.omnihub.routing.StockView.SkuStock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Decides which node or nodes fulfil an order. A pure function of the order, a view of stock and a policy: no
 * state, no I/O, no clock, so the same call serves live routing, a test drive and a what-if simulation.
 * <ol>
 *   <li>Candidates come rule by rule from the policy's hierarchy for the order's fulfillment type; a node is
 *       considered once, under the first rule that names it.</li>
 *   <li>Filters: not rejected for this order, enabled, offers the service, within the rule's radius, under its
 *       daily cap, and has stock to promise (on hand − reserved − safety stock).</li>
 *   <li>Kept candidates are ranked by rule, then by score (distance, cost, load weighted), then node id.</li>
 *   <li>The best node that can ship the whole order wins; otherwise, when the channel and the policy allow it,
 *       the order is split across the fewest nodes (ties go to the better-ranked set).</li>
 * </ol>
 */
public final class OrderRouter {

    /** Split search is exact over at most this many best-ranked candidates. */
    static final int SPLIT_POOL = 16;

    /** Routes {@code order}; see the class comment. */
    public RoutingDecision route(CanonicalOrder order, StockView view, RoutingPolicy policy) {
        Map<String, Integer> need = new TreeMap<>();
        for (OrderLine line : order.lines()) {
            need.merge(line.sku(), line.quantity(), Integer::sum);
        }
        double[] ref = referencePoint(order, view);
        List<Eval> evals = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Rule> rules = policy.rulesFor(order.fulfillmentType());
        for (int ri = 0; ri < rules.size(); ri++) {
            Rule rule = rules.get(ri);
            for (Node node : select(rule, order, view)) {
                if (seen.add(node.id())) {
                    evals.add(evaluate(ri, rule, node, order, view, policy, need, ref));
                }
            }
        }
        List<Eval> ranked = evals.stream().filter(e -> e.dropReason == null)
                .sorted(Comparator.comparingInt((Eval e) -> e.ruleIndex).thenComparingDouble(e -> e.score)
                        .thenComparing(e -> e.node.id()))
                .toList();
        for (int i = 0; i < ranked.size(); i++) {
            ranked.get(i).rank = i + 1;
        }

        Eval whole = ranked.stream().filter(e -> e.coversAll).findFirst().orElse(null);
        if (whole != null) {
            List<Shipment> shipments = List.of(allocate(order, List.of(whole)).get(0));
            whole.chosen = true;
            return decision(order, policy, Outcome.ROUTED, shipments, evals,
                    "Routed to " + whole.node.id() + " (rule \"" + whole.rule.name() + "\"): the best-ranked node that can ship the whole order.");
        }
        if (ranked.isEmpty()) {
            return decision(order, policy, Outcome.UNFULFILLABLE, List.of(), evals,
                    evals.isEmpty() ? "Unfulfillable: no rule of the policy names any node the channel sells from."
                            : "Unfulfillable: every candidate was dropped (see each reason).");
        }
        boolean channelSplits = view.channel() != null && view.channel().allowSplit();
        boolean policySplits = policy.splitAllowed(order.channel());
        if (!channelSplits || !policySplits || policy.maxShipments() < 2) {
            String why = !channelSplits ? "channel " + order.channel() + " does not allow split orders"
                    : !policySplits ? "the policy does not allow splitting " + order.channel() + " orders"
                    : "the policy allows one shipment per order";
            return decision(order, policy, Outcome.UNFULFILLABLE, List.of(), evals,
                    "Unfulfillable: no single node has every line, and " + why + ".");
        }
        List<Eval> pool = ranked.stream().filter(e -> e.hasAny).limit(SPLIT_POOL).toList();
        int maxK = Math.min(policy.maxShipments(), pool.size());
        for (int k = 2; k <= maxK; k++) {
            List<Eval> set = firstFeasible(pool, k, need);
            if (set != null) {
                List<Shipment> shipments = allocate(order, set);
                Set<String> used = shipments.stream().map(Shipment::nodeId).collect(Collectors.toSet());
                set.forEach(e -> e.chosen = used.contains(e.node.id()));
                return decision(order, policy, Outcome.ROUTED, shipments, evals,
                        "Split across " + shipments.size() + " nodes (" + String.join(", ", used.stream().sorted().toList())
                                + "): no single node has every line; this is the fewest nodes that can.");
            }
        }
        return decision(order, policy, Outcome.UNFULFILLABLE, List.of(), evals,
                "Unfulfillable: not enough stock to promise across up to " + policy.maxShipments() + " nodes.");
    }

    /** The point distances are measured from: the chosen store for pickup and curbside, else the ship-to address. */
    private static double[] referencePoint(CanonicalOrder order, StockView view) {
        FulfillmentType t = order.fulfillmentType();
        if ((t == FulfillmentType.PICKUP_IN_STORE || t == FulfillmentType.CURBSIDE) && order.pickupStore() != null) {
            Node store = view.nodes().get(order.pickupStore());
            if (store != null) {
                return new double[] {store.latitude(), store.longitude()};
            }
        }
        if (order.shipTo() != null && order.shipTo().hasGeo()) {
            return new double[] {order.shipTo().latitude(), order.shipTo().longitude()};
        }
        return null;
    }

    private static List<Node> select(Rule rule, CanonicalOrder order, StockView view) {
        return view.nodes().values().stream()
                .filter(n -> switch (rule.source()) {
                    case PICKUP_STORE -> n.id().equals(order.pickupStore());
                    case NEARBY_STORES -> n.type() == NodeType.STORE && !n.id().equals(order.pickupStore());
                    case WAREHOUSE -> n.type() == NodeType.WAREHOUSE;
                    case SHIP_FROM_STORE -> n.type() == NodeType.STORE;
                    case DROPSHIP -> n.type() == NodeType.DROPSHIP;
                    case SAME_DAY_NODES -> true;
                })
                .sorted(Comparator.comparing(Node::id))
                .toList();
    }

    /** The capability a node needs to serve the order under this rule. */
    private static String capabilityFor(Rule rule, FulfillmentType type) {
        return switch (rule.source()) {
            case PICKUP_STORE, NEARBY_STORES -> type == FulfillmentType.SHIP_TO_HOME ? "SHIP_FROM_STORE" : type.name();
            case WAREHOUSE, DROPSHIP -> "SHIP_TO_HOME";
            case SHIP_FROM_STORE -> "SHIP_FROM_STORE";
            case SAME_DAY_NODES -> "SAME_DAY";
        };
    }

    private static Eval evaluate(int ruleIndex, Rule rule, Node node, CanonicalOrder order, StockView view,
                                 RoutingPolicy policy, Map<String, Integer> need, double[] ref) {
        Eval e = new Eval(ruleIndex, rule, node);
        e.distance = ref == null ? null : Geo.miles(ref[0], ref[1], node.latitude(), node.longitude());
        RoutingPolicy.NodeOverride override = policy.overrideFor(node.id());
        String capability = capabilityFor(rule, order.fulfillmentType());
        Integer cap = override != null && override.dailyOrderCap() != null ? override.dailyOrderCap() : node.dailyOrderCap();
        if (view.excluded(node.id())) {
            e.dropReason = "rejected this order earlier";
        } else if (!node.enabled()) {
            e.dropReason = "node is disabled";
        } else if (!node.can(capability)) {
            e.dropReason = "does not offer " + words(capability);
        } else if (rule.radiusMiles() != null && e.distance == null) {
            e.dropReason = "no coordinates to measure the " + miles(rule.radiusMiles()) + "-mile radius from";
        } else if (rule.radiusMiles() != null && e.distance > rule.radiusMiles()) {
            e.dropReason = miles(e.distance) + " miles away, beyond the " + miles(rule.radiusMiles()) + "-mile radius";
        } else if (cap != null && node.ordersToday() >= cap) {
            e.dropReason = "at its daily cap (" + node.ordersToday() + " of " + cap + " orders today)";
        }
        if (e.dropReason != null) {
            return e;
        }
        List<String> short_ = new ArrayList<>();
        boolean all = true;
        boolean any = false;
        for (Map.Entry<String, Integer> n : need.entrySet()) {
            String sku = n.getKey();
            SkuStock s = view.stockOf(node.id(), sku);
            int safety = override != null && override.safetyStock() != null ? override.safetyStock()
                    : s.safetyStock() != null ? s.safetyStock() : node.safetyStock();
            int atp = Math.max(0, s.onHand() - s.reserved() - safety);
            e.atp.put(sku, atp);
            e.safety.put(sku, safety);
            if (atp > 0) {
                any = true;
            }
            if (atp < n.getValue()) {
                all = false;
                short_.add(sku + ": " + atp + " to promise (on hand " + s.onHand() + ", reserved " + s.reserved()
                        + ", safety stock " + safety + "), needs " + n.getValue());
            }
        }
        if (!any) {
            e.dropReason = "no stock to promise: " + String.join("; ", short_);
            return e;
        }
        e.coversAll = all;
        e.hasAny = true;
        e.shortfall = String.join("; ", short_);
        RoutingPolicy.Scoring w = policy.scoring();
        e.score = round(w.distance() * (e.distance == null ? 0 : e.distance) + w.cost() * node.costPerOrder()
                + w.load() * node.openOrders());
        return e;
    }

    /** The first k-subset of the ranked pool, in lexicographic rank order, whose stock covers every sku. */
    private static List<Eval> firstFeasible(List<Eval> pool, int k, Map<String, Integer> need) {
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = i;
        }
        while (true) {
            List<Eval> set = new ArrayList<>(k);
            for (int i : idx) {
                set.add(pool.get(i));
            }
            if (covers(set, need)) {
                return set;
            }
            int i = k - 1;
            while (i >= 0 && idx[i] == pool.size() - k + i) {
                i--;
            }
            if (i < 0) {
                return null;
            }
            idx[i]++;
            for (int j = i + 1; j < k; j++) {
                idx[j] = idx[j - 1] + 1;
            }
        }
    }

    private static boolean covers(List<Eval> set, Map<String, Integer> need) {
        for (Map.Entry<String, Integer> n : need.entrySet()) {
            int sum = 0;
            for (Eval e : set) {
                sum += e.atp.getOrDefault(n.getKey(), 0);
            }
            if (sum < n.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Assigns each line to the first node of the set (in rank order) that has it whole, else splits its units. */
    private static List<Shipment> allocate(CanonicalOrder order, List<Eval> set) {
        Map<String, Map<String, Integer>> left = new HashMap<>();
        for (Eval e : set) {
            left.put(e.node.id(), new HashMap<>(e.atp));
        }
        Map<String, List<Allocation>> byNode = new LinkedHashMap<>();
        set.forEach(e -> byNode.put(e.node.id(), new ArrayList<>()));
        for (OrderLine line : order.lines()) {
            Eval whole = set.stream().filter(e -> left.get(e.node.id()).getOrDefault(line.sku(), 0) >= line.quantity())
                    .findFirst().orElse(null);
            if (whole != null) {
                take(byNode, left, whole, line, line.quantity());
                continue;
            }
            int remaining = line.quantity();
            for (Eval e : set) {
                int can = Math.min(remaining, left.get(e.node.id()).getOrDefault(line.sku(), 0));
                if (can > 0) {
                    take(byNode, left, e, line, can);
                    remaining -= can;
                }
            }
            if (remaining > 0) {
                throw new IllegalStateException("allocation short by " + remaining + " of " + line.sku());
            }
        }
        List<Shipment> shipments = new ArrayList<>();
        for (Eval e : set) {
            List<Allocation> a = byNode.get(e.node.id());
            if (!a.isEmpty()) {
                shipments.add(new Shipment(e.node.id(), e.rule.name(), List.copyOf(a)));
            }
        }
        return shipments;
    }

    private static void take(Map<String, List<Allocation>> byNode, Map<String, Map<String, Integer>> left, Eval e,
                             OrderLine line, int quantity) {
        left.get(e.node.id()).merge(line.sku(), -quantity, Integer::sum);
        byNode.get(e.node.id()).add(new Allocation(line.lineNo(), line.sku(), quantity, e.safety.get(line.sku())));
    }

    private static RoutingDecision decision(CanonicalOrder order, RoutingPolicy policy, Outcome outcome,
                                            List<Shipment> shipments, List<Eval> evals, String summary) {
        List<Candidate> candidates = new ArrayList<>();
        for (Eval e : evals) {
            Verdict verdict;
            String reason;
            if (e.dropReason != null) {
                verdict = Verdict.DROPPED;
                reason = e.dropReason;
            } else if (e.chosen) {
                verdict = Verdict.CHOSEN;
                reason = (e.coversAll ? "can ship the whole order" : "can ship part of the order (" + e.shortfall + ")")
                        + "; ranked " + e.rank + (outcome == Outcome.ROUTED && shipments.size() > 1 ? " in the smallest split" : "");
            } else {
                verdict = Verdict.KEPT;
                reason = (e.coversAll ? "could ship the whole order" : "has only part of the order (" + e.shortfall + ")")
                        + "; ranked " + e.rank;
            }
            candidates.add(new Candidate(e.node.id(), e.node.type().name(), e.rule.name(), e.rank, e.distance == null ? null : round(e.distance),
                    e.dropReason == null ? e.score : null, verdict, reason));
        }
        return new RoutingDecision(order.orderId(), policy.version(), outcome, shipments, List.copyOf(candidates), summary);
    }

    private static String words(String capability) {
        return capability.toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    private static String miles(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.1f", d);
    }

    private static double round(double d) {
        return Math.round(d * 100.0) / 100.0;
    }

    /** A candidate under evaluation. */
    private static final class Eval {
        final int ruleIndex;
        final Rule rule;
        final Node node;
        Double distance;
        String dropReason;
        boolean coversAll;
        boolean hasAny;
        String shortfall;
        double score;
        int rank;
        boolean chosen;
        final Map<String, Integer> atp = new TreeMap<>();
        final Map<String, Integer> safety = new TreeMap<>();

        Eval(int ruleIndex, Rule rule, Node node) {
            this.ruleIndex = ruleIndex;
            this.rule = rule;
            this.node = node;
        }
    }
}
