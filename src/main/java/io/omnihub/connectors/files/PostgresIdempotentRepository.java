package io.omnihub.connectors.files;

import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import java.time.Duration;

/**
 * A Camel idempotent repository in PostgreSQL (table {@code idempotency_key}, one scope per repository), shared by
 * every hub instance. {@link #add} is atomic ({@code insert ... on conflict}), so when several instances list the
 * same file only one of them claims it. A claim older than the lease that was never confirmed (the instance died
 * while processing) may be claimed again; a confirmed or completed key is kept for good.
 */
public class PostgresIdempotentRepository extends ServiceSupport implements IdempotentRepository {

    private final NamedParameterJdbcTemplate jdbc;
    private final String scope;
    private final Duration lease;

    public PostgresIdempotentRepository(NamedParameterJdbcTemplate jdbc, String scope, Duration lease) {
        this.jdbc = jdbc;
        this.scope = scope;
        this.lease = lease;
    }

    @Override
    public boolean add(String key) {
        int n = jdbc.update("""
                insert into idempotency_key (scope, key) values (:scope, :key)
                on conflict (scope, key) do update set created_at = now()
                where idempotency_key.result is null
                  and idempotency_key.created_at < now() - make_interval(secs => :lease)""",
                params(key).addValue("lease", lease.toSeconds()));
        return n == 1;
    }

    /**
     * The claimant is still at work on {@code key}: its claim starts a new lease, so that a long piece of work (a large
     * file) is not taken over by another instance while it goes on. A confirmed key is left as it is.
     */
    public boolean renew(String key) {
        return jdbc.update("update idempotency_key set created_at = now() where scope = :scope and key = :key and result is null",
                params(key)) == 1;
    }

    @Override
    public boolean contains(String key) {
        Integer n = jdbc.queryForObject("""
                select count(*) from idempotency_key where scope = :scope and key = :key
                and (result is not null or created_at >= now() - make_interval(secs => :lease))""",
                params(key).addValue("lease", lease.toSeconds()), Integer.class);
        return n != null && n > 0;
    }

    @Override
    public boolean remove(String key) {
        return jdbc.update("delete from idempotency_key where scope = :scope and key = :key and result is null", params(key)) == 1;
    }

    @Override
    public boolean confirm(String key) {
        return jdbc.update("update idempotency_key set result = 'DONE' where scope = :scope and key = :key", params(key)) == 1;
    }

    @Override
    public void clear() {
        jdbc.update("delete from idempotency_key where scope = :scope", new MapSqlParameterSource("scope", scope));
    }

    private MapSqlParameterSource params(String key) {
        return new MapSqlParameterSource("scope", scope).addValue("key", key);
    }
}
