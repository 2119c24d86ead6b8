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

/**
 * Replays past orders against a candidate policy, in memory: a what-if simulation. Plain Java, no I/O: the caller
 * supplies the start (node and channel facts, stock as it stood when the window began, open orders and today's
 * counts), and the window's events in time order (order arrivals, and the stock changes that were not the
 * simulated orders' own reservations). Each order is routed by the same {@link OrderRouter} as live routing, its
 * reservation held in memory, and both its simulated and its recorded decision go to the {@link SimulationReport}.
 */
public final class SimulationEngine {

    /** Report progress (and ask whether to go on) every this many orders. */
    static final int PROGRESS_EVERY = 500;

    private final OrderRouter router = new OrderRouter();

    /** A channel: whether it splits, and the nodes it sells from. */
    public record Channel(String id, boolean allowSplit, List<String> nodeIds) {
    }

    /** Something that happened in the window, in time order. */
    public sealed interface Event permits OrderArrival, StockChange {
        Instant at();
    }

    /** An order as it arrived, and the decision recorded for it (null when it was never decided). */
    public record OrderArrival(Instant at, CanonicalOrder order, RoutingDecision recorded) implements Event {
    }

    /** A stock change from the ledger (receipt, sale, count, another order's reservation...). */
    public record StockChange(Instant at, String nodeId, String sku, int onHandDelta, int reservedDelta) implements Event {
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

    /** Runs the simulation; null when cancelled. */
    public SimulationReport run(Start start, List<Event> events, RoutingPolicy policy, Progress progress) {
        int total = (int) events.stream().filter(e -> e instanceof OrderArrival).count();
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
        SimulationReport report = new SimulationReport(policy.version(), start.nodes(), start.ordersOnDay(), firstDay);
        int done = 0;
        for (Event e : events) {
            if (e instanceof StockChange c) {
                int[] cell = cells.computeIfAbsent(c.nodeId(), k -> new HashMap<>()).computeIfAbsent(c.sku(), k -> new int[2]);
                cell[0] = Math.max(0, cell[0] + c.onHandDelta());
                cell[1] = Math.max(0, cell[1] + c.reservedDelta());
                continue;
            }
            OrderArrival a = (OrderArrival) e;
            CanonicalOrder order = a.order();
            LocalDate day = day(a.at());
            StockView view = view(start, order, day, cells, safety, load, daily);
            RoutingDecision d = router.route(order, view, policy);
            if (d.routed()) {
                for (RoutingDecision.Shipment s : d.shipments()) {
                    for (RoutingDecision.Allocation al : s.allocations()) {
                        cells.computeIfAbsent(s.nodeId(), k -> new HashMap<>()).computeIfAbsent(al.sku(), k -> new int[2])[1] += al.quantity();
                    }
                    load.merge(s.nodeId(), s.allocations().size(), Integer::sum);
                    daily.computeIfAbsent(s.nodeId(), k -> new HashMap<>()).merge(day, 1, Integer::sum);
                }
            }
            report.add(a.order().orderId(), a.at(), d, a.recorded());
            done++;
            if (progress != null && (done % PROGRESS_EVERY == 0 || done == total) && !progress.proceed(done, total)) {
                return null;
            }
        }
        return report.finish();
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
