package io.omnihub.reliability;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks that stock figures are what the ledger says they are, and that nothing is negative or over-reserved. */
final class LedgerConsistency {

    private LedgerConsistency() {
    }

    static void assertConsistent(NamedParameterJdbcTemplate db) {
        List<Map<String, Object>> disagreeing = db.queryForList("""
                select s.node_id, s.sku, s.on_hand, s.reserved,
                       coalesce(sum(l.on_hand_delta), 0) as ledger_on_hand,
                       coalesce(sum(l.reserved_delta), 0) as ledger_reserved
                from stock s left join ledger_entry l on l.node_id = s.node_id and l.sku = s.sku
                group by s.node_id, s.sku, s.on_hand, s.reserved
                having s.on_hand <> coalesce(sum(l.on_hand_delta), 0) or s.reserved <> coalesce(sum(l.reserved_delta), 0)""",
                new MapSqlParameterSource());
        assertThat(disagreeing).as("stock rows whose figures differ from the sum of their ledger entries").isEmpty();

        List<Map<String, Object>> reservationMismatch = db.queryForList("""
                select s.node_id, s.sku, s.reserved, coalesce(r.active, 0) as active
                from stock s left join (
                    select node_id, sku, sum(quantity) as active from reservation where status = 'ACTIVE' group by node_id, sku
                ) r on r.node_id = s.node_id and r.sku = s.sku
                where s.reserved <> coalesce(r.active, 0)""", new MapSqlParameterSource());
        assertThat(reservationMismatch).as("stock rows whose reserved figure differs from their active reservations").isEmpty();

        Integer negative = db.queryForObject("select count(*) from stock where on_hand < 0 or reserved < 0",
                new MapSqlParameterSource(), Integer.class);
        assertThat(negative).isZero();
    }
}
