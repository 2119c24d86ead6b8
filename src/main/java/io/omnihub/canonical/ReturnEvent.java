package io.omnihub.canonical;

import java.time.Instant;
import java.util.List;

/** A return (RMA) received at a node, with the condition of each returned line. */
public record ReturnEvent(
        String rmaId,
        String orderId,
        String channel,
        String nodeId,
        Instant receivedAt,
        List<Line> lines) {

    public enum Condition { SELLABLE, DAMAGED }

    public record Line(String sku, int quantity, Condition condition) {
    }
}
