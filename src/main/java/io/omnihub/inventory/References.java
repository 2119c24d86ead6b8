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
    /**
     * Records many keys of {@code scope} in the caller's transaction, in one round trip; returns, for each, whether
     * it was new (a key seen before, or twice in {@code keys}, is false after its first claim).
     */
    static boolean[] claimAll(NamedParameterJdbcTemplate jdbc, String scope, java.util.List<String> keys,
                              java.util.List<String> results) {
        MapSqlParameterSource[] params = new MapSqlParameterSource[keys.size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = new MapSqlParameterSource("scope", scope).addValue("key", keys.get(i)).addValue("result", results.get(i));
        }
        int[] counts = jdbc.batchUpdate("insert into idempotency_key (scope, key, result) values (:scope, :key, :result) "
                + "on conflict (scope, key) do nothing", params);
        boolean[] claimed = new boolean[counts.length];
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0 && counts[i] != 1) {
                throw new IllegalStateException("the driver did not report the outcome of claim " + i + ": " + counts[i]);
            }
            claimed[i] = counts[i] == 1;
        }
        return claimed;
    }

    static boolean claim(NamedParameterJdbcTemplate jdbc, String scope, String key, String result) {
        return jdbc.update("insert into idempotency_key (scope, key, result) values (:scope, :key, :result) "
                        + "on conflict (scope, key) do nothing",
                new MapSqlParameterSource("scope", scope).addValue("key", key).addValue("result", result)) == 1;
    }
}
