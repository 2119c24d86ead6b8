package io.omnihub.runtime;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server (zonky binaries) on loopback, its data kept in a directory so a restart keeps
 * orders and stock. Durable by default: fsync and synchronous_commit on. A server orphaned by a hard kill
 * of an earlier hub on the same data directory is stopped before this one starts.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final int port;
    private final long orphanStopped;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, int port, long orphanStopped) {
        this.postgres = postgres;
        this.port = port;
        this.orphanStopped = orphanStopped;
    }

    /**
     * Starts the server; {@code settings} are more server parameters (postgresql.conf names, a dash standing for an
     * underscore, so {@code omnihub.embedded.postgres.settings.shared-preload-libraries=pg_stat_statements} works from
     * the command line), applied after the hub's own.
     */
    static EmbeddedPostgresServer start(Path dataDir, int port, boolean durable, Map<String, String> settings) throws IOException {
        return start(dataDir, port, durable, settings, true);
    }

    /**
     * As {@link #start(Path, int, boolean, Map)}; with {@code stopAtJvmExit} false the caller alone stops the server.
     * The hub's embedded default passes false: zonky's own JVM shutdown hook would stop PostgreSQL at the first instant
     * of a SIGTERM, concurrently with Spring's, while Camel's routes, the outbox relay and the connection pool still use
     * it (see {@link EmbeddedServers}, which stops it after every application context has closed).
     */
    static EmbeddedPostgresServer start(Path dataDir, int port, boolean durable, Map<String, String> settings,
                                        boolean stopAtJvmExit) throws IOException {
        Files.createDirectories(dataDir.getParent());
        long orphan = stopOrphan(dataDir);
        String onOff = durable ? "on" : "off";
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("fsync", onOff)
                .setServerConfig("synchronous_commit", onOff)
                .setServerConfig("full_page_writes", onOff)
                .setServerConfig("max_connections", "200")
                // the hub's delivery and outbox tables churn: look for tables to vacuum every 10 s, not every minute
                .setServerConfig("autovacuum_naptime", "10s")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setRegisterShutdownHook(stopAtJvmExit);
        settings.forEach((name, value) -> builder.setServerConfig(name.replace('-', '_'), value));
        if (port > 0) {
            builder.setPort(port);
        }
        EmbeddedPostgres pg = builder.start();
        return new EmbeddedPostgresServer(pg, pg.getPort(), orphan);
    }

    /**
     * After a SIGKILL of the hub its PostgreSQL child lives on, holding the data directory. Find it by the
     * pid in postmaster.pid, ask it to shut down fast (SIGINT) and wait for it. Returns its pid, or -1 when
     * there was none.
     */
    static long stopOrphan(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return -1;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return -1;
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return -1;
        }
        String command = handle.get().info().command().orElse("");
        if (!command.contains("postgres")) {
            return -1;
        }
        log.warn("Found PostgreSQL (pid {}) left running on {} by an earlier hub; stopping it", pid, dataDir);
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
            handle.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("PostgreSQL {} did not stop on request, killing it", pid);
            handle.get().destroyForcibly();
        }
        return pid;
    }

    /** The pid of a server left running by an earlier, killed hub that this start stopped, or -1. */
    long orphanStopped() {
        return orphanStopped;
    }

    int port() {
        return port;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
