package io.omnihub.inventory;

import io.omnihub.canonical.StockEvent;
import io.omnihub.canonical.StockEventType;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poll's worth of stock events applied together ({@link StockEvents#applyAll}, one JDBC batch): every event once,
 * in its order for one node and sku, with the same stock and ledger effect as one at a time — a sale beyond on
 * hand floors at zero and the ledger records the change actually made, a count replaces on hand and records its
 * difference, a sku the node never held gets its row, a repeated event id (in the batch or from an earlier batch)
 * changes nothing — and the batch's transaction leaves one STOCK_CHANGED outbox row per sku it changed, already
 * processed by that transaction: the channels' figures were recomputed and their deliveries enqueued before it
 * committed, not by a later sync pass.
 */
class StockEventsBatchIT extends HubIntegrationTest {

    @Autowired
    StockEvents stockEvents;

    static StockEvent event(String id, StockEventType type, String node, String sku, int quantity) {
        return new StockEvent(id, type, node, sku, quantity, type == StockEventType.ADJUSTMENT ? "test" : null, null, "test");
    }

    @Test
    void shouldApplyABatchAsOneAtATimeWould() {
        String a = TestData.sku(jdbc, "WH-NJ1", 10, "ST-MAN", 3);
        String b = TestData.sku(jdbc, "WH-NJ1", 5);
        String dup = "dup-" + UUID.randomUUID();
        String shortSale = "e1-" + UUID.randomUUID();
        // a count already owed at WH-NJ1: the batch's count there clears it
        jdbc.update("update stock set needs_count = true, count_trigger = 'SHORTFALL', count_reason = 'earlier' "
                + "where node_id = 'WH-NJ1' and sku = :sku", new MapSqlParameterSource("sku", a));
        long outboxBefore = jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key in (:skus)",
                new MapSqlParameterSource("skus", List.of(a, b)), Long.class);

        int applied = stockEvents.applyAll(List.of(
                event(shortSale, StockEventType.SALE, "ST-MAN", a, 5),                           // 3 -> 0 (floored: -3)
                event(dup, StockEventType.RECEIPT, "WH-NJ1", b, 4),                             // 5 -> 9
                event("e3-" + UUID.randomUUID(), StockEventType.SNAPSHOT, "WH-NJ1", a, 7),       // 10 -> 7 (-3)
                event("e4-" + UUID.randomUUID(), StockEventType.ADJUSTMENT, "WH-NJ1", a, 2),     // 7 -> 9
                event(dup, StockEventType.RECEIPT, "WH-NJ1", b, 4),                             // a repeat: nothing
                event("e6-" + UUID.randomUUID(), StockEventType.RECEIPT, "ST-BRK", b, 6),        // no row yet: 0 -> 6
                event("e7-" + UUID.randomUUID(), StockEventType.SALE, "WH-NJ1", b, 2)));         // 9 -> 7
        assertThat(applied).isEqualTo(6);
        // the same id in a later batch is recognised too
        assertThat(stockEvents.applyAll(List.of(event(dup, StockEventType.RECEIPT, "WH-NJ1", b, 4)))).isZero();

        assertThat(onHand("ST-MAN", a)).isEqualTo(0);
        assertThat(onHand("WH-NJ1", a)).isEqualTo(7 + 2);
        assertThat(onHand("WH-NJ1", b)).isEqualTo(7);
        assertThat(onHand("ST-BRK", b)).isEqualTo(6);

        // the ledger tells the same story, entry by entry, in each row's order
        assertThat(entries("ST-MAN", a)).containsExactly(List.of("SALE", -3, 0));
        assertThat(entries("WH-NJ1", a)).containsExactly(List.of("SNAPSHOT", -3, 7), List.of("ADJUSTMENT", 2, 9));
        assertThat(entries("WH-NJ1", b)).containsExactly(List.of("RECEIPT", 4, 9), List.of("SALE", -2, 7));
        assertThat(entries("ST-BRK", b)).containsExactly(List.of("RECEIPT", 6, 6));
        // the sale beyond on hand flags the row for a count and says why; the count clears the flag it finds
        assertThat(countFlag("ST-MAN", a)).containsExactly(true, "SHORTFALL", "SALE of 5 with 3 on hand (stock-event:" + shortSale + ")");
        assertThat(countFlag("WH-NJ1", a)).containsExactly(false, null, null);
        assertThat(countFlag("WH-NJ1", b)).containsExactly(false, null, null);
        MapSqlParameterSource skus = new MapSqlParameterSource("skus", List.of(a, b));
        long outboxAfter = jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key in (:skus)",
                skus, Long.class);
        assertThat(outboxAfter - outboxBefore).as("one STOCK_CHANGED per sku of the batch, not one per event").isEqualTo(2);
        // processed at the very time it was written (now() is the transaction's start): by the transaction itself
        assertThat(jdbc.queryForList("""
                select msg_key from outbox where kind = 'STOCK_CHANGED' and msg_key in (:skus)
                  and processed_at is not null and processed_at = created_at""", skus, String.class))
                .as("the batch's own transaction recomputed the figures").containsExactlyInAnyOrder(a, b);
        // and what it recomputed is the figure of the stock it left
        assertThat(jdbc.queryForObject("select available from ats_state where channel = 'web' and sku = :sku",
                new MapSqlParameterSource("sku", b), Integer.class)).isEqualTo(jdbc.queryForObject("""
                select coalesce(sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock))), 0)
                from channel_node cn join node n on n.id = cn.node_id and n.enabled join stock s on s.node_id = cn.node_id
                where cn.channel_id = 'web' and s.sku = :sku""", new MapSqlParameterSource("sku", b), Integer.class));
    }

    int onHand(String node, String sku) {
        return jdbc.queryForObject("select on_hand from stock where node_id = :node and sku = :sku",
                new MapSqlParameterSource("node", node).addValue("sku", sku), Integer.class);
    }

    List<Object> countFlag(String node, String sku) {
        return jdbc.queryForList("select needs_count, count_trigger, count_reason from stock where node_id = :node and sku = :sku",
                new MapSqlParameterSource("node", node).addValue("sku", sku)).stream()
                .map(r -> java.util.Arrays.asList(r.get("needs_count"), r.get("count_trigger"), r.get("count_reason")))
                .findFirst().orElseThrow();
    }

    List<List<Object>> entries(String node, String sku) {
        return jdbc.queryForList("select kind, on_hand_delta, on_hand_after from ledger_entry where node_id = :node and sku = :sku "
                        + "and reference like 'stock-event:%' order by id",
                new MapSqlParameterSource("node", node).addValue("sku", sku)).stream()
                .map((Map<String, Object> r) -> List.<Object>of(r.get("kind"), r.get("on_hand_delta"), r.get("on_hand_after"))).toList();
    }
}
