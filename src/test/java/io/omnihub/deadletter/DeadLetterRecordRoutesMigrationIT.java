package io.omnihub.deadletter;

import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V65 points dead letters kept before this change, which named a batch consumer's route, at the per-record route that
 * takes one record: run again here on such a dead letter, it names {@code stock-event-one}, and a replay goes through
 * that route (the still unknown sku keeps it a dead letter) instead of the batch route, which answered REPLAYED having
 * applied nothing.
 */
class DeadLetterRecordRoutesMigrationIT extends HubIntegrationTest {

    @Test
    void anOldStockEventDeadLetterIsReplayedThroughTheRecordRoute() throws Exception {
        String sku = "NO-SUCH-" + UUID.randomUUID();
        String event = """
                {"eventId": "old-%s", "type": "SALE", "nodeId": "ST-MAN", "sku": "%s", "quantity": 1, "source": "test"}"""
                .formatted(sku, sku);
        long id = jdbc.queryForObject("""
                insert into dead_letter (source, route_id, category, error, payload, headers)
                values ('stock-events', 'stock-events', 'UNKNOWN_REFERENCE', 'sku: unknown sku', :payload, '{}'::jsonb)
                returning id""", new MapSqlParameterSource("payload", event), Long.class);

        String migration = new ClassPathResource("db/migration/V65__dead_letters_name_record_routes.sql")
                .getContentAsString(StandardCharsets.UTF_8);
        Arrays.stream(migration.split(";")).map(String::strip)
                .map(s -> s.lines().filter(l -> !l.startsWith("--")).reduce("", (a, b) -> a + "\n" + b).strip())
                .filter(s -> !s.isEmpty())
                .forEach(s -> jdbc.getJdbcTemplate().update(s));

        assertThat(jdbc.queryForObject("select route_id from dead_letter where id = :id", new MapSqlParameterSource("id", id),
                String.class)).isEqualTo("stock-event-one");
        var replay = api("POST", "/api/console/dead-letters/" + id + "/replay", "operator", null);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(replay.body()).contains("FAILED_AGAIN").contains("unknown sku " + sku);
    }
}
