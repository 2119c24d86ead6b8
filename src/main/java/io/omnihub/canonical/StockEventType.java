package io.omnihub.canonical;

/**
 * What a stock event means for on-hand stock at a node.
 * <ul>
 *   <li>SNAPSHOT: a full count, sets on hand (reservations in flight are kept);</li>
 *   <li>ADJUSTMENT: a signed delta with a reason;</li>
 *   <li>SALE: units sold at the node (a POS sale), decrements on hand;</li>
 *   <li>RECEIPT: units received, increments on hand;</li>
 *   <li>RETURN: sellable units returned to stock, increments on hand.</li>
 * </ul>
 */
public enum StockEventType {
    SNAPSHOT,
    ADJUSTMENT,
    SALE,
    RECEIPT,
    RETURN
}
