package io.omnihub.inventory;

import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A stock row, and a channel's figure of a sku, are created by the first change that needs them, with their figures
 * after that change (not at zero and then updated). These tests make two transactions create the same row at once:
 * the second one's insert waits for the first to commit, and must then take the row as the first left it, never
 * overwrite it with what it worked out before it knew the row existed.
 */
class NewRowRacesIT extends HubIntegrationTest {

    @Autowired
    StockLedger ledger;

    @Autowired
    TransactionTemplate tx;

    @Test
    void aStockRowCreatedMeanwhileTakesTheSecondChangeOnTopOfTheFirst() throws Exception {
        String sku = TestData.sku(jdbc);
        CountDownLatch firstApplied = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> tx.executeWithoutResult(s -> {
            ledger.setOnHand("WH-NJ1", sku, 5, "race:count:" + sku, "count");
            firstApplied.countDown();
            released(releaseFirst);
        }));
        assertThat(firstApplied.await(30, TimeUnit.SECONDS)).isTrue();
        // the second finds no row (the first's is not committed), so it inserts one and waits for the first
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> tx.executeWithoutResult(s ->
                ledger.adjustOnHand("WH-NJ1", sku, 3, StockLedger.Kind.RECEIPT, "race:receipt:" + sku, "receipt")));
        awaitWaitingOnALock("insert into stock");
        releaseFirst.countDown();
        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);

        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        assertThat(jdbc.queryForObject("select on_hand from stock where node_id = 'WH-NJ1' and sku = :sku", p, Integer.class))
                .as("the receipt on top of the count").isEqualTo(8);
        List<Map<String, Object>> entries = jdbc.queryForList(
                "select kind, on_hand_delta, on_hand_after from ledger_entry where sku = :sku order by id", p);
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0)).containsEntry("kind", "SNAPSHOT").containsEntry("on_hand_delta", 5).containsEntry("on_hand_after", 5);
        assertThat(entries.get(1)).containsEntry("kind", "RECEIPT").containsEntry("on_hand_delta", 3).containsEntry("on_hand_after", 8);
    }

    @Test
    void aFigureCreatedMeanwhileIsWorkedOutAgainFromTheStockAsItIsNow() throws Exception {
        List<String> nodes = jdbc.queryForList("""
                select cn.node_id from channel_node cn join node n on n.id = cn.node_id
                where cn.channel_id = 'web' and n.enabled order by cn.node_id limit 2""", new MapSqlParameterSource(), String.class);
        assertThat(nodes).as("two nodes that serve the web channel").hasSize(2);
        String sku = TestData.sku(jdbc);
        CountDownLatch firstRecomputed = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        // the first counts the sku at one node and works out the web figure before it commits (its figure row is
        // inserted, not yet committed), then waits
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> tx.executeWithoutResult(s -> {
            ledger.setOnHand(nodes.get(0), sku, 50, "race:count:" + sku, "count");
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    firstRecomputed.countDown();
                    released(releaseFirst);
                }
            });
        }));
        assertThat(firstRecomputed.await(30, TimeUnit.SECONDS)).isTrue();
        // the second counts it at the other node: it sees no figure row and not the first's stock, works out a figure
        // from its own count alone and waits on the insert of the figure row
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> tx.executeWithoutResult(s ->
                ledger.setOnHand(nodes.get(1), sku, 70, "race:count2:" + sku, "count")));
        awaitWaitingOnALock("insert into ats_state");
        releaseFirst.countDown();
        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);

        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        Integer expected = jdbc.queryForObject("""
                select coalesce(sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock))), 0)
                from channel_node cn join node n on n.id = cn.node_id and n.enabled join stock s on s.node_id = cn.node_id
                where cn.channel_id = 'web' and s.sku = :sku""", p, Integer.class);
        Map<String, Object> figure = jdbc.queryForMap("select available, sequence from ats_state where channel = 'web' and sku = :sku", p);
        assertThat(figure).as("the web figure counts both nodes' stock, the second figure told").containsEntry("available", expected)
                .containsEntry("sequence", 2L);
        assertThat(jdbc.queryForObject("""
                select (payload->>'available')::int from delivery where channel = 'web' and kind = 'ATS' and ordering_key = :sku
                order by sequence desc limit 1""", p, Integer.class)).as("the last figure owed to the web channel").isEqualTo(expected);
    }

    /** Waits until a session of the hub waits for a lock in a statement starting with {@code statement}. */
    private void awaitWaitingOnALock(String statement) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> jdbc.queryForObject("""
                select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like :q""",
                new MapSqlParameterSource("q", statement + "%"), Integer.class) > 0);
    }

    private static void released(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
