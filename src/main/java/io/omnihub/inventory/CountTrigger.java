package io.omnihub.inventory;

/**
 * Why a node is asked to count a sku (a cycle count, package {@code cyclecount}). The ledger flags the first two
 * itself ({@code stock.needs_count} with {@code stock.count_trigger}); the others are asked for directly.
 */
public enum CountTrigger {
    /** The node rejected an order line for stock it should have had (not found, damaged, no capacity, other). */
    REJECTION,
    /** A decrement (a sale, a shipment, an adjustment) found less on hand than it took, and was floored at zero. */
    SHORTFALL,
    /** A channel kept drifting on the sku: reconciliation found it again and again. */
    RECURRING_DRIFT,
    /** The node's skus not counted for a while, a few at a time. */
    SCHEDULE,
    /** An operator asked ({@code POST /api/cycle-counts}). */
    OPERATOR
}
