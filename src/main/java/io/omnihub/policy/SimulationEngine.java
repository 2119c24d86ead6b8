package io.omnihub.policy;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.OrderLine;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.routing.StockView;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * Replays past orders against a candidate policy, in memory: a what-if simulation. Plain Java, no I/O: the caller
 * supplies the start (node and channel facts, stock as it stood when the window began, open orders and today's
 * counts), and the window's events in the order they happened (order decisions in the order live routing took them,
 * the stock changes that were not the simulated orders' own, and the simulated orders' shipments and releases).
 * Each order is routed by the same {@link OrderRouter} as live routing, its reservation held in memory, and both its
 * simulated and its recorded decision go to the {@link SimulationReport}.
 * <p>
 * Fidelity: given the policies that actually decided (each order's recorded policy version), the engine first
 * replays the window with them; an order whose replayed decision differs from its recorded one cannot be reproduced
 * from the window's data, and the report names it with the reason instead of counting it as a change of the
 * candidate.
 */
public final class SimulationEngine {

    /** Report progress (and ask whether to go on) every this many orders. */
    static final int PROGRESS_EVERY = 500;

    private final OrderRouter router = new OrderRouter();

    /** A channel: whether it splits, and the nodes it sells from. */
    public record Channel(String id, boolean allowSplit, List<String> nodeIds) {
    }

    /**
     * Something that happened in the window. {@code position} is its place in the one sequence that orders live
     * decisions and ledger entries (see {@link #inSequence}); events built by time alone have position 0 and are
     * ordered by {@link #merge}.
     */
    public sealed interface Event permits OrderArrival, StockChange, OrderStockChange {
        Instant at();

        long position();
    }

    /**
     * An order at its decision, and the decision recorded for it (null when it was never decided).
     *
     * @param causes what the store knows that may keep a replay from reproducing the decision (for example "decided
     *               3 times"), said when it does not
     */
    public record OrderArrival(long position, Instant at, CanonicalOrder order, RoutingDecision recorded, List<String> causes)
            implements Event {
        public OrderArrival(Instant at, CanonicalOrder order, RoutingDecision recorded) {
            this(0, at, order, recorded, List.of());
        }
    }

    /** A stock change from the ledger (receipt, sale, count, another order's reservation...). */
    public record StockChange(long position, Instant at, String nodeId, String sku, int onHandDelta, int reservedDelta)
            implements Event {
        public StockChange(Instant at, String nodeId, String sku, int onHandDelta, int reservedDelta) {
            this(0, at, nodeId, sku, onHandDelta, reservedDelta);
        }
    }

    /**
     * A simulated order's own stock leaving its reservation after its decision, where live routing recorded it: the
     * units shipped (they leave on hand too) or released (a cancellation, a node's rejection). Applied to whatever
     * the replay reserved for that order and sku, wherever it reserved it.
     */
    public record OrderStockChange(long position, Instant at, String orderId, String sku, int quantity, boolean shipped)
            implements Event {
    }

    /**
     * The world when the window began.
     *
     * @param nodes       node facts (ordersToday and openOrders are ignored: see the next two)
     * @param stock       per node, per sku, the figures at the start
     * @param openOrders  per node, orders open at the start (the load the score weighs)
     * @param ordersOnDay per node, orders already routed on the start's day before the window began
     */
    public record Start(Map<String, StockView.Node> nodes, Map<String, Channel> channels,
                        Map<String, Map<String, StockView.SkuStock>> stock, Map<String, Integer> openOrders,
                        Map<String, Integer> ordersOnDay, Instant from) {
    }

    /** Told the progress; answers false to stop (cancelled). */
    public interface Progress {
        boolean proceed(int done, int total);
    }

    /** Merges orders and stock changes into time order (a stock change at the same instant goes first). */
    public static List<Event> merge(List<OrderArrival> orders, List<StockChange> changes) {
        List<Event> all = new ArrayList<>(orders.size() + changes.size());
        int i = 0;
        int j = 0;
        while (i < orders.size() || j < changes.size()) {
            if (j < changes.size() && (i >= orders.size() || !changes.get(j).at().isAfter(orders.get(i).at()))) {
                all.add(changes.get(j++));
            } else {
                all.add(orders.get(i++));
            }
        }
        return all;
    }

    /** Orders events by their position in the sequence of decisions and ledger entries (stable for equal positions). */
    public static List<Event> inSequence(List<Event> events) {
        List<Event> all = new ArrayList<>(events);
        all.sort(Comparator.comparingLong(Event::position).thenComparingInt(e -> e instanceof OrderArrival ? 1 : 0));
        return all;
    }

    /** Runs the simulation of one policy, without a fidelity pass; null when cancelled. */
    public SimulationReport run(Start start, List<Event> events, RoutingPolicy policy, Progress progress) {
        return run(start, events, policy, null, progress);
    }

    /**
     * Runs the simulation; null when cancelled. With {@code recordedPolicy} (the policy that decided each order, null
     * for an order whose policy is unknown), the window is first replayed with the recorded policies: an order that
     * replay does not reproduce is reported as not reproducible, with its reason, and never as changed.
     */
    public SimulationReport run(Start start, List<Event> events, RoutingPolicy policy,
                                Function<OrderArrival, RoutingPolicy> recordedPolicy, Progress progress) {
        int orders = (int) events.stream().filter(e -> e instanceof OrderArrival).count();
        int passes = recordedPolicy == null ? 1 : 2;
        int total = orders * passes;
        Map<String, String> unreproducible = new HashMap<>();
        if (recordedPolicy != null) {
            int[] done = {0};
            boolean finished = replay(start, events, recordedPolicy, (a, d) -> {
                if (a.recorded() != null && !SimulationReport.sameDecision(d, a.recorded())) {
                    unreproducible.put(a.order().orderId(), reason(a, d));
                }
                done[0]++;
                return progress == null || (done[0] % PROGRESS_EVERY != 0) || progress.proceed(done[0], total);
            });
            if (!finished) {
                return null;
            }
        }
        SimulationReport report = new SimulationReport(policy.version(), start.nodes(), start.ordersOnDay(), day(start.from()),
                recordedPolicy != null);
        int[] done = {orders * (passes - 1)};
        boolean finished = replay(start, events, a -> policy, (a, d) -> {
            report.add(a.order().orderId(), a.at(), d, a.recorded(), unreproducible.get(a.order().orderId()));
            done[0]++;
            return progress == null || (done[0] % PROGRESS_EVERY != 0 && done[0] != total) || progress.proceed(done[0], total);
        });
        return finished ? report.finish() : null;
    }

    /** Why a replay with the recorded policy did not reproduce an order's decision. */
    private static String reason(OrderArrival a, RoutingDecision replayed) {
        StringBuilder why = new StringBuilder("replayed with policy ").append(a.recorded().policyVersion()).append(": ")
                .append(SimulationReport.describe(replayed)).append(", recorded: ").append(SimulationReport.describe(a.recorded()));
        List<String> causes = a.causes().isEmpty()
                ? List.of("stock or node facts the window's ledger does not hold (a change made outside the ledger, or a node changed since)")
                : a.causes();
        return why.append(" (").append(String.join("; ", causes)).append(')').toString();
    }

    /** Decides each order in turn; the visitor answers false to stop. True when every event was replayed. */
    private boolean replay(Start start, List<Event> events, Function<OrderArrival, RoutingPolicy> policyFor,
                           BiPredicate<OrderArrival, RoutingDecision> visitor) {
        Map<String, Map<String, int[]>> cells = new HashMap<>();
        Map<String, Map<String, Integer>> safety = new HashMap<>();
        start.stock().forEach((node, bySku) -> bySku.forEach((sku, s) -> {
            cells.computeIfAbsent(node, k -> new HashMap<>()).put(sku, new int[] {s.onHand(), s.reserved()});
            if (s.safetyStock() != null) {
                safety.computeIfAbsent(node, k -> new HashMap<>()).put(sku, s.safetyStock());
            }
        }));
        Map<String, Integer> load = new HashMap<>(start.openOrders());
        Map<String, Map<LocalDate, Integer>> daily = new HashMap<>();
        LocalDate firstDay = day(start.from());
        start.ordersOnDay().forEach((node, n) -> daily.computeIfAbsent(node, k -> new HashMap<>()).put(firstDay, n));
        Map<String, List<Held>> held = new HashMap<>();
        for (Event e : events) {
            if (e instanceof StockChange c) {
                int[] cell = cells.computeIfAbsent(c.nodeId(), k -> new HashMap<>()).computeIfAbsent(c.sku(), k -> new int[2]);
                cell[0] = Math.max(0, cell[0] + c.onHandDelta());
                cell[1] = Math.max(0, cell[1] + c.reservedDelta());
                continue;
            }
            if (e instanceof OrderStockChange c) {
                leave(c, held.get(c.orderId()), cells, load);
                continue;
            }
            OrderArrival a = (OrderArrival) e;
            CanonicalOrder order = a.order();
            LocalDate day = day(a.at());
            RoutingPolicy policy = policyFor.apply(a);
            RoutingDecision d = null;
            if (policy != null) {
                StockView view = view(start, order, day, cells, safety, load, daily);
                d = router.route(order, view, policy);
            }
            if (d != null && d.routed()) {
                List<Held> mine = held.computeIfAbsent(order.orderId(), k -> new ArrayList<>());
                for (RoutingDecision.Shipment s : d.shipments()) {
                    for (RoutingDecision.Allocation al : s.allocations()) {
                        cells.computeIfAbsent(s.nodeId(), k -> new HashMap<>()).computeIfAbsent(al.sku(), k -> new int[2])[1] += al.quantity();
                        mine.add(new Held(s.nodeId(), al.sku(), al.quantity()));
                    }
                    load.merge(s.nodeId(), s.allocations().size(), Integer::sum);
                    daily.computeIfAbsent(s.nodeId(), k -> new HashMap<>()).merge(day, 1, Integer::sum);
                }
            }
            if (!visitor.test(a, d)) {
                return false;
            }
        }
        return true;
    }

    /** Units the replay reserved for an order at a node, less what has shipped or been released since. */
    private static final class Held {
        final String nodeId;
        final String sku;
        int units;

        Held(String nodeId, String sku, int units) {
            this.nodeId = nodeId;
            this.sku = sku;
            this.units = units;
        }
    }

    /** Ships or releases up to {@code c.quantity()} units of what the replay reserved for the order's sku. */
    private static void leave(OrderStockChange c, List<Held> held, Map<String, Map<String, int[]>> cells, Map<String, Integer> load) {
        int left = c.quantity();
        for (Held h : held == null ? List.<Held>of() : held) {
            if (left == 0) {
                break;
            }
            if (!h.sku.equals(c.sku()) || h.units == 0) {
                continue;
            }
            int q = Math.min(left, h.units);
            h.units -= q;
            left -= q;
            int[] cell = cells.computeIfAbsent(h.nodeId, k -> new HashMap<>()).computeIfAbsent(h.sku, k -> new int[2]);
            cell[1] = Math.max(0, cell[1] - q);
            if (c.shipped()) {
                cell[0] = Math.max(0, cell[0] - q);
            }
            if (h.units == 0) {
                // the node's load counts reservation rows: a line fully shipped or released no longer weighs on it
                load.merge(h.nodeId, -1, (x, y) -> Math.max(0, x + y));
            }
        }
    }

    private static StockView view(Start start, CanonicalOrder order, LocalDate day, Map<String, Map<String, int[]>> cells,
                                  Map<String, Map<String, Integer>> safety, Map<String, Integer> load,
                                  Map<String, Map<LocalDate, Integer>> daily) {
        Channel channel = start.channels().get(order.channel());
        StockView.Channel ch = channel == null ? new StockView.Channel(order.channel(), false)
                : new StockView.Channel(channel.id(), channel.allowSplit());
        Set<String> skus = new LinkedHashSet<>();
        for (OrderLine l : order.lines()) {
            skus.add(l.sku());
        }
        Map<String, StockView.Node> nodes = new LinkedHashMap<>();
        Map<String, Map<String, StockView.SkuStock>> stock = new HashMap<>();
        for (String id : channel == null ? List.<String>of() : channel.nodeIds()) {
            StockView.Node n = start.nodes().get(id);
            if (n == null) {
                continue;
            }
            Map<LocalDate, Integer> days = daily.get(id);
            int today = days == null ? 0 : days.getOrDefault(day, 0);
            nodes.put(id, new StockView.Node(n.id(), n.type(), n.latitude(), n.longitude(), n.capabilities(), n.enabled(),
                    n.dailyOrderCap(), today, n.safetyStock(), n.costPerOrder(), load.getOrDefault(id, 0)));
            Map<String, int[]> bySku = cells.get(id);
            if (bySku == null) {
                continue;
            }
            Map<String, StockView.SkuStock> s = new HashMap<>();
            for (String sku : skus) {
                int[] cell = bySku.get(sku);
                if (cell != null) {
                    Map<String, Integer> sf = safety.get(id);
                    s.put(sku, new StockView.SkuStock(cell[0], cell[1], sf == null ? null : sf.get(sku)));
                }
            }
            stock.put(id, s);
        }
        return new StockView(ch, nodes, stock, Set.of());
    }

    static LocalDate day(Instant at) {
        return at.atZone(ZoneOffset.UTC).toLocalDate();
    }

    /** Sorts arrivals by time, then order id (the order the live path received them in). */
    public static final Comparator<OrderArrival> ARRIVAL = Comparator.comparing(OrderArrival::at)
            .thenComparing(a -> a.order().orderId());
}
