package io.omnihub.outbox;

import io.omnihub.inventory.StockLedger;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stock change whose figures cannot be recomputed in its transaction still commits: the recomputation is undone
 * alone (its savepoint), the STOCK_CHANGED row stays pending, and the sync's own pass recomputes the figure from it.
 */
class FiguresInTransactionIT extends HubIntegrationTest {

    @Autowired
    Outbox outbox;

    @Autowired
    StockLedger ledger;

    @Autowired
    TransactionTemplate tx;

    @Test
    void aFailedRecomputationLeavesTheChangeCommittedAndItsFiguresToTheSyncPass() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 10);
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        Consumer<Map<String, Instant>> real = outbox.recomputeInTransaction(skus -> {
            // writes something first, so that the savepoint has work to undo, then fails
            jdbc.update("insert into outbox (kind, msg_key, processed_at) values ('MARKER', :sku, now())", p);
            throw new IllegalStateException("figures cannot be computed");
        });
        try {
            tx.executeWithoutResult(s -> ledger.adjustOnHand("WH-NJ1", sku, 5, StockLedger.Kind.RECEIPT, "test:" + sku, "test"));
        } finally {
            outbox.recomputeInTransaction(real);
        }
        assertThat(jdbc.queryForObject("select on_hand from stock where node_id = 'WH-NJ1' and sku = :sku", p, Integer.class))
                .as("the stock change committed").isEqualTo(15);
        assertThat(jdbc.queryForObject("select count(*) from outbox where kind = 'MARKER' and msg_key = :sku", p, Integer.class))
                .as("what the failed recomputation wrote is undone").isZero();
        assertThat(jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :sku", p, Integer.class))
                .isEqualTo(1);
        // the sync's pass takes the pending row and the web channel gets the figure of the stock now
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :sku "
                    + "and processed_at is null", p, Integer.class)).isZero();
            assertThat(jdbc.queryForObject("select available from ats_state where channel = 'web' and sku = :sku", p, Integer.class))
                    .isEqualTo(jdbc.queryForObject("""
                            select coalesce(sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock))), 0)
                            from channel_node cn join node n on n.id = cn.node_id and n.enabled join stock s on s.node_id = cn.node_id
                            where cn.channel_id = 'web' and s.sku = :sku""", p, Integer.class))
                    .isPositive();
        });
    }
}
