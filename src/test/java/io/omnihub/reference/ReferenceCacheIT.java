package io.omnihub.reference;

import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The reference data cache of intake: what is new is seen at once, what changed within a second, whoever changed it. */
class ReferenceCacheIT extends HubIntegrationTest {

    @Autowired
    ReferenceCache cache;

    @Test
    void shouldSeeANewSkuAtOnceAndARemovedOneWithinASecond() {
        String sku = TestData.sku(jdbc);
        assertThat(cache.unknownSkus(List.of(sku))).as("added a moment ago").isEmpty();
        assertThat(cache.unknownSkus(List.of(sku))).as("now from the cache").isEmpty();

        // removed by another writer (here plain SQL, as another instance or an operator would)
        jdbc.update("delete from item where sku = :sku", new MapSqlParameterSource("sku", sku));
        await().atMost(Duration.ofSeconds(1)).until(() -> cache.unknownSkus(List.of(sku)).contains(sku));
    }

    @Test
    void shouldSeeANodeChangedThroughAnotherWriterWithinASecond() {
        String id = "T-ST-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.update("""
                insert into node (id, name, type, latitude, longitude, capabilities, daily_order_cap, safety_stock, cost_per_order, enabled, sink)
                select :id, 'test store', 'STORE', latitude, longitude, capabilities, daily_order_cap, safety_stock, cost_per_order, false, sink
                from node where id = 'ST-MAN'""", new MapSqlParameterSource("id", id));
        try {
            assertThat(cache.nodeType(id)).isEqualTo("STORE");

            jdbc.update("update node set type = 'WAREHOUSE' where id = :id", new MapSqlParameterSource("id", id));
            await().atMost(Duration.ofSeconds(1)).until(() -> "WAREHOUSE".equals(cache.nodeType(id)));
        } finally {
            // a disabled node of no channel, removed again so that no other test sees it in the node list
            jdbc.update("delete from node where id = :id", new MapSqlParameterSource("id", id));
        }
    }
}
