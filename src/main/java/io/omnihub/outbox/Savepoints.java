package io.omnihub.outbox;

import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;

/**
 * Runs part of the current transaction in a savepoint, so that its failure (a deadlock, a bug) undoes only that part
 * and leaves the rest of the transaction able to commit.
 */
final class Savepoints {

    private Savepoints() {
    }

    /** The part failed and was undone; the transaction is intact. */
    static final class RolledBack extends RuntimeException {
        RolledBack(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Runs {@code part} after a savepoint on the transaction's connection. Throws {@link RolledBack} when it failed and
     * everything it did was undone; anything else thrown means the transaction itself is in trouble. The savepoint is
     * left to the commit to release (one round trip less).
     */
    static void run(NamedParameterJdbcTemplate jdbc, Runnable part) {
        DataSource dataSource = jdbc.getJdbcTemplate().getDataSource();
        // the transaction's own connection (and handed back to it below, not closed)
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            Savepoint savepoint;
            try {
                savepoint = connection.setSavepoint();
            } catch (SQLException e) {
                throw new IllegalStateException("could not set a savepoint", e);
            }
            try {
                part.run();
            } catch (RuntimeException failed) {
                try {
                    connection.rollback(savepoint);
                } catch (SQLException e) {
                    failed.addSuppressed(e);
                    throw failed;
                }
                throw new RolledBack(failed);
            }
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    static boolean rolledBack(RuntimeException e) {
        return e instanceof RolledBack;
    }
}
