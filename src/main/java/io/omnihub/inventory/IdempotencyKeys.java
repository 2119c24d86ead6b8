package io.omnihub.inventory;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Idempotency keys shared by the stock-in consumers: a message applied once whatever its redeliveries. */
final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

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
