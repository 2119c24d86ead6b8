package io.omnihub.inventory;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/** Idempotency keys shared by the stock-in consumers: a message applied once whatever its redeliveries. */
final class IdempotencyKeys {

    private IdempotencyKeys() {
    }

    /**
     * Records many keys of {@code scope} in the caller's transaction, with one statement; returns, for each, whether
     * it was new (a key seen before, or twice in {@code keys}, is false after its first claim).
     */
    static boolean[] claimAll(NamedParameterJdbcTemplate jdbc, String scope, java.util.List<String> keys,
                              java.util.List<String> results) {
        java.util.Set<String> fresh = new java.util.HashSet<>(jdbc.queryForList("""
                insert into idempotency_key (scope, key, result)
                select :scope, k.key, k.result from unnest(cast(:keys as text[]), cast(:results as text[])) with ordinality as k(key, result, n)
                order by k.n
                on conflict (scope, key) do nothing returning key""",
                new MapSqlParameterSource("scope", scope).addValue("keys", keys.toArray(String[]::new))
                        .addValue("results", results.toArray(String[]::new)), String.class));
        boolean[] claimed = new boolean[keys.size()];
        for (int i = 0; i < claimed.length; i++) {
            // the first of two equal keys is the one claimed
            claimed[i] = fresh.remove(keys.get(i));
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
