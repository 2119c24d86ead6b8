package io.omnihub.inventory;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Checks shared by the stock-in consumers: known skus and nodes, and idempotency keys. */
final class References {

    private References() {
    }

    /** Throws UNKNOWN_REFERENCE when the node or the sku is not in the hub's reference data. */
    static void requireKnown(NamedParameterJdbcTemplate jdbc, String nodeId, String sku) {
        MapSqlParameterSource p = new MapSqlParameterSource("node", nodeId).addValue("sku", sku);
        if (!Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from node where id = :node)", p, Boolean.class))) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "unknown node " + nodeId);
        }
        if (sku != null && !Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from item where sku = :sku)", p, Boolean.class))) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "unknown sku " + sku);
        }
    }

    /**
     * Records {@code key} in {@code scope} inside the caller's transaction. Returns false when it was already
     * there (the message was processed before); a concurrent claim of the same key waits for the other
     * transaction and then returns false.
     */
    static boolean claim(NamedParameterJdbcTemplate jdbc, String scope, String key, String result) {
        return jdbc.update("insert into idempotency_key (scope, key, result) values (:scope, :key, :result) "
                        + "on conflict (scope, key) do nothing",
                new MapSqlParameterSource("scope", scope).addValue("key", key).addValue("result", result)) == 1;
    }
}
