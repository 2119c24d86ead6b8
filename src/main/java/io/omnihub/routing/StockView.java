package io.omnihub.routing;

import java.util.Map;
import java.util.Set;

/**
 * What the router may use for one order: the facts of every node the order's channel sells from, and per node
 * and sku the stock figures. A snapshot, built by the caller (from the database when live, from memory in a
 * simulation); the router never reads anything else.
 *
 * @param channel       the selling channel's facts
 * @param nodes         node facts by node id (only the nodes the channel may sell from)
 * @param stock         per node id, per sku, the figures; a missing entry means no stock
 * @param excludedNodes nodes that already rejected this order: never chosen again for it
 */
public record StockView(
        Channel channel,
        Map<String, Node> nodes,
        Map<String, Map<String, SkuStock>> stock,
        Set<String> excludedNodes) {

    /** Node types. */
    public enum NodeType { WAREHOUSE, STORE, DROPSHIP }

    /** The channel's own facts. */
    public record Channel(String id, boolean allowSplit) {
    }

    /**
     * One node's facts.
     *
     * @param capabilities SHIP_TO_HOME, PICKUP_IN_STORE, CURBSIDE, SAME_DAY, SHIP_FROM_STORE
     * @param dailyOrderCap null means no cap
     * @param ordersToday   orders routed to the node today
     * @param safetyStock   units per sku kept back (unless a sku overrides it)
     * @param openOrders    orders routed to the node and not yet shipped (its current load)
     */
    public record Node(String id, NodeType type, double latitude, double longitude, Set<String> capabilities,
                       boolean enabled, Integer dailyOrderCap, int ordersToday, int safetyStock, double costPerOrder,
                       int openOrders) {

        public boolean can(String capability) {
            return capabilities != null && capabilities.contains(capability);
        }
    }

    /**
     * @param safetyStock per-sku override of the node's safety stock, null for the node's figure
     */
    public record SkuStock(int onHand, int reserved, Integer safetyStock) {
    }

    public SkuStock stockOf(String nodeId, String sku) {
        Map<String, SkuStock> bySku = stock == null ? null : stock.get(nodeId);
        SkuStock s = bySku == null ? null : bySku.get(sku);
        return s == null ? new SkuStock(0, 0, null) : s;
    }

    public boolean excluded(String nodeId) {
        return excludedNodes != null && excludedNodes.contains(nodeId);
    }
}
