package io.omnihub.delivery;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The connections the dispatcher records its progress on (claims, DELIVERED marks, retries, DEAD): a small pool of
 * its own whose transactions commit without waiting for the write-ahead log to reach the disk
 * ({@code synchronous_commit = off}). Those statements are most of the hub's commits under load, and each one
 * waiting for a disk flush made every delivery wait in turn. What a PostgreSQL crash can lose is the last few
 * hundred milliseconds of such bookkeeping and nothing else: a lost claim or DELIVERED mark means the delivery is
 * sent once more with the same webhook-id and the same figure (its payload is written by the enqueueing
 * transaction, which commits durably on the main pool), and a lost retry schedule means an earlier retry. Not a
 * bean of type DataSource, so the main pool, Flyway and everything else keep Spring Boot's auto-configuration.
 */
@Component
public class DeliveryBookkeeping implements DisposableBean {

    private final HikariDataSource pool;
    private final NamedParameterJdbcTemplate jdbc;

    public DeliveryBookkeeping(DataSourceProperties main) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("delivery-bookkeeping");
        config.setJdbcUrl(main.determineUrl());
        config.setUsername(main.determineUsername());
        config.setPassword(main.determinePassword());
        config.setMaximumPoolSize(4);
        config.setMinimumIdle(1);
        // as the main pool: a database outage fails a claim within seconds instead of hanging the dispatcher
        config.setConnectionTimeout(5_000);
        // an error at start (database not up yet) is left to the first use, like the main pool's lazy start
        config.setInitializationFailTimeout(-1);
        config.setConnectionInitSql("set synchronous_commit = off");
        this.pool = new HikariDataSource(config);
        this.jdbc = new NamedParameterJdbcTemplate(pool);
    }

    NamedParameterJdbcTemplate jdbc() {
        return jdbc;
    }

    @Override
    public void destroy() {
        pool.close();
    }
}
