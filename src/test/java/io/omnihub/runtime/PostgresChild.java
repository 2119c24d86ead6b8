package io.omnihub.runtime;

import java.nio.file.Path;
import java.util.Map;

/** Runs the embedded PostgreSQL in a child JVM that a test then kills with SIGKILL, like a crashed hub. */
public final class PostgresChild {

    private PostgresChild() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(Path.of(args[0]), 0, true, Map.of());
        System.out.println("READY " + pg.jdbcUrl());
        System.out.flush();
        Thread.currentThread().join();
    }
}
