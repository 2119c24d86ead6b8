package io.omnihub.delivery;

import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pump's DELIVERED mark never waits for a row another transaction holds (an enqueueing transaction can hold a
 * claimed row until it commits, see {@link Deliveries#deliveredUnlessHeld}): it marks the others at once and
 * says which one it left, and marks that one once it is free; a row no longer pending is done with.
 */
class DeliveredUnlessHeldIT extends HubIntegrationTest {

    @Autowired
    Deliveries deliveries;

    @Autowired
    DataSource dataSource;

    @Test
    // waiting for the held row would hang here until the other transaction ends, which it does only after the check
    @Timeout(30)
    void aHeldRowIsLeftForTheNextRoundAndTheOthersAreMarked() throws Exception {
        // a channel without a pump, so nothing else claims or marks these rows
        String channel = "held-" + UUID.randomUUID();
        long free = row(channel, "PENDING");
        long held = row(channel, "PENDING");
        long superseded = row(channel, "SUPERSEDED");
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement("select id from delivery where id = ? for update")) {
                lock.setLong(1, held);
                lock.executeQuery().close();
            }
            Set<Long> done = deliveries.deliveredUnlessHeld(List.of(free, held, superseded));
            assertThat(done).as("marked, or no longer pending; the held one left").containsExactlyInAnyOrder(free, superseded);
            assertThat(status(free)).isEqualTo("DELIVERED");
            assertThat(status(held)).isEqualTo("PENDING");
            assertThat(status(superseded)).isEqualTo("SUPERSEDED");
            other.rollback();
        }
        assertThat(deliveries.deliveredUnlessHeld(List.of(held))).containsExactly(held);
        assertThat(status(held)).isEqualTo("DELIVERED");
    }

    long row(String channel, String status) {
        String sku = "sku-" + UUID.randomUUID();
        return jdbc.queryForObject("""
                insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, attempts, claimed_until)
                values (:channel, 'ATS', :sku, :sku, cast('{}' as jsonb), :status, 1, now() + interval '1 minute') returning id""",
                new MapSqlParameterSource("channel", channel).addValue("sku", sku).addValue("status", status), Long.class);
    }

    String status(long id) {
        return jdbc.queryForObject("select status from delivery where id = :id", new MapSqlParameterSource("id", id), String.class);
    }
}
