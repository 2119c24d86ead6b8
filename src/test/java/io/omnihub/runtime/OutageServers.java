package io.omnihub.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A PostgreSQL and a Kafka broker that a fault test runs in its own JVM for a hub process, and can stop and start
 * again on the same port and data directory while the hub keeps running: a dependency outage, then its return.
 * The servers are the hub's own embedded ones ({@link EmbeddedPostgresServer}, {@link EmbeddedKafkaServer}).
 */
public final class OutageServers implements AutoCloseable {

    private final Path dataDir;
    private final int postgresPort = FreePorts.find();
    private final int kafkaPort = FreePorts.find();
    private EmbeddedPostgresServer postgres;
    private EmbeddedKafkaServer kafka;

    private OutageServers(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Starts both servers on fresh ports under a fresh data directory. */
    public static OutageServers start(String name) throws Exception {
        OutageServers servers = new OutageServers(Files.createTempDirectory("omnihub-" + name + "-servers-"));
        servers.startPostgres();
        servers.startKafka();
        return servers;
    }

    public synchronized void startPostgres() throws Exception {
        if (postgres == null) {
            postgres = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), postgresPort, false, Map.of());
        }
    }

    /** Stops PostgreSQL (fast shutdown: open connections are cut). */
    public synchronized void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    public synchronized void startKafka() throws Exception {
        if (kafka == null) {
            kafka = EmbeddedKafkaServer.start(dataDir.resolve("kafka"), kafkaPort, 6);
        }
    }

    public synchronized void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
    }

    public String kafkaBrokers() {
        return "127.0.0.1:" + kafkaPort;
    }

    @Override
    public void close() throws Exception {
        stopKafka();
        stopPostgres();
    }
}
