package io.omnihub.housekeeping;

import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Finished deliveries and processed outbox rows go after their retention; what an operator needs stays. */
class RetentionIT extends HubIntegrationTest {

    @Autowired
    Retention retention;

    long delivery(String channel, String kind, String key, String status, int daysOld) {
        return jdbc.queryForObject("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, created_at, updated_at)
                values (:channel, :kind, :key, :key, cast('{"available": 1}' as jsonb), :status,
                        now() - :days * interval '1 day', now() - :days * interval '1 day')
                returning id""", new MapSqlParameterSource("channel", channel).addValue("kind", kind).addValue("key", key)
                .addValue("status", status).addValue("days", daysOld), Long.class);
    }

    long outbox(String key, boolean processed, int daysOld) {
        return jdbc.queryForObject("""
                insert into outbox (created_at, kind, msg_key, processed_at)
                -- a kind no part of the hub processes, so the row stays unprocessed for the test
                values (now() - :days * interval '1 day', 'RETENTION_TEST', :key,
                        case when :processed then now() - :days * interval '1 day' end)
                returning id""", new MapSqlParameterSource("key", key).addValue("processed", processed)
                .addValue("days", daysOld), Long.class);
    }

    List<Long> surviving(String table, List<Long> ids) {
        return jdbc.queryForList("select id from " + table + " where id = any(:ids) order by id",
                new MapSqlParameterSource("ids", ids.toArray(new Long[0])), Long.class);
    }

    @Test
    void shouldRemoveOnlyFinishedRowsPastTheirRetentionAndKeepTheLastFigureSent() {
        String channel = "retention-" + UUID.randomUUID().toString().substring(0, 8);
        String sku = "SKU-RET-" + UUID.randomUUID().toString().substring(0, 8);
        long oldDelivered = delivery(channel, "ATS", sku, "DELIVERED", 40);
        long lastDelivered = delivery(channel, "ATS", sku, "DELIVERED", 35);
        long oldSuperseded = delivery(channel, "ATS", sku, "SUPERSEDED", 40);
        long oldStatusCallback = delivery(channel, "ORDER_STATUS", "ORD-RET:SHIPPED", "DELIVERED", 40);
        long oldDead = delivery(channel, "ATS", sku + "-D", "DEAD", 40);
        long oldPending = delivery(channel, "ORDER_STATUS", "ORD-RET:ROUTED", "PENDING", 40);
        long recentDelivered = delivery(channel, "ORDER_STATUS", "ORD-RET:CANCELLED", "DELIVERED", 2);
        long oldProcessed = outbox(sku, true, 10);
        long oldUnprocessed = outbox(sku, false, 10);
        long recentProcessed = outbox(sku, true, 1);

        Retention.Purged purged = retention.purge();

        assertThat(surviving("delivery", List.of(oldDelivered, lastDelivered, oldSuperseded, oldStatusCallback, oldDead,
                oldPending, recentDelivered)))
                .as("the last figure sent, DEAD, PENDING and recent rows stay")
                .containsExactly(lastDelivered, oldDead, oldPending, recentDelivered);
        assertThat(surviving("outbox", List.of(oldProcessed, oldUnprocessed, recentProcessed)))
                .as("unprocessed and recent outbox rows stay").containsExactly(oldUnprocessed, recentProcessed);
        assertThat(purged.deliveries()).isGreaterThanOrEqualTo(3);
        assertThat(purged.outbox()).isGreaterThanOrEqualTo(1);
    }
}
