package io.omnihub.support;

import io.omnihub.OmnihubApplication;
import io.omnihub.runtime.FreePorts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The hub as its own operating-system process, for crash and scale-out tests: started on the test classpath
 * with its own data directory and fixed ports (so a restart finds its data and clients find it again),
 * killed with SIGKILL or stopped gracefully. Its output goes to target/hub-processes/NAME.log.
 */
public final class HubProcess implements AutoCloseable {

    private final String name;
    private final Path dataDir;
    private final List<String> extraArgs;
    public final int httpPort;
    public final int postgresPort;
    public final int kafkaPort;
    public final int sftpPort;
    private Process process;

    private HubProcess(String name, Path dataDir, List<String> extraArgs, int httpPort, int postgresPort, int kafkaPort, int sftpPort) {
        this.name = name;
        this.dataDir = dataDir;
        this.extraArgs = extraArgs;
        this.httpPort = httpPort;
        this.postgresPort = postgresPort;
        this.kafkaPort = kafkaPort;
        this.sftpPort = sftpPort;
    }

    /** A hub with its own embedded servers on fresh ports and a fresh data directory. */
    public static HubProcess embedded(String name, String... extraArgs) throws IOException {
        return new HubProcess(name, Files.createTempDirectory("omnihub-" + name + "-"), List.of(extraArgs),
                FreePorts.find(), FreePorts.find(), FreePorts.find(), FreePorts.find());
    }

    /** A second hub instance that shares {@code first}'s PostgreSQL, Kafka and SFTP server and starts nothing embedded. */
    public static HubProcess sharing(String name, HubProcess first, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + first.jdbcUrl(),
                "--omnihub.kafka.brokers=" + first.kafkaBrokers(),
                "--omnihub.sftp.host=127.0.0.1",
                "--omnihub.sftp.port=" + first.sftpPort,
                "--omnihub.sftp.root=" + first.dataDir.resolve("sftp"),
                "--omnihub.embedded.enabled=false"));
        args.addAll(List.of(extraArgs));
        return new HubProcess(name, Files.createTempDirectory("omnihub-" + name + "-"), args,
                FreePorts.find(), first.postgresPort, first.kafkaPort, first.sftpPort);
    }

    /**
     * A hub that uses the given PostgreSQL and Kafka (servers a test controls, e.g. to stop them for a while) and
     * starts only its SFTP server embedded.
     */
    public static HubProcess external(String name, String jdbcUrl, String kafkaBrokers, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres",
                "--omnihub.kafka.brokers=" + kafkaBrokers));
        args.addAll(List.of(extraArgs));
        int port = Integer.parseInt(jdbcUrl.replaceAll(".*:(\\d+)/.*", "$1"));
        int kafka = Integer.parseInt(kafkaBrokers.replaceAll(".*:(\\d+)$", "$1"));
        return new HubProcess(name, Files.createTempDirectory("omnihub-" + name + "-"), args,
                FreePorts.find(), port, kafka, FreePorts.find());
    }

    public HubProcess start() throws Exception {
        Path logs = Path.of("target", "hub-processes");
        Files.createDirectories(logs);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                OmnihubApplication.class.getName(),
                "--server.port=" + httpPort,
                "--omnihub.data-dir=" + dataDir,
                "--omnihub.embedded.postgres.port=" + postgresPort,
                "--omnihub.embedded.kafka.port=" + kafkaPort,
                "--omnihub.embedded.sftp.port=" + sftpPort,
                "--logging.level.root=WARN",
                "--logging.level.io.omnihub=INFO"));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()))
                .start();
        awaitUp(Duration.ofSeconds(120));
        return this;
    }

    private void awaitUp(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("hub " + name + " exited with " + process.exitValue()
                        + "; see target/hub-processes/" + name + ".log");
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            process.waitFor(250, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("hub " + name + " did not come up in " + timeout);
    }

    /** SIGKILL: no shutdown hook runs, the embedded PostgreSQL is left running as an orphan. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM, as {@code kill} or Ctrl-C would stop the hub, and wait for the process to exit (at most {@code limit},
     * then SIGKILL); returns how long it took. The data directory stays for a {@link #start()} again.
     */
    public Duration terminate(Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/postgres";
    }

    public String kafkaBrokers() {
        return "127.0.0.1:" + kafkaPort;
    }

    /** Everything the hub process has printed so far. */
    public String output() throws IOException {
        return Files.readString(Path.of("target", "hub-processes", name + ".log"));
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Graceful stop (SIGTERM): shutdown hooks stop the embedded servers. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        stopLeftoverPostgres();
    }

    /**
     * A hub killed with SIGKILL leaves its embedded PostgreSQL running; the next start on the same data directory
     * stops it, but when a test ends before that restart (it failed, or it was the last step) nobody would: its data
     * directory is a temporary one no later run looks at. Stopped here by the pid in its postmaster.pid.
     */
    private void stopLeftoverPostgres() throws InterruptedException {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return;
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.isEmpty()) {
                return;
            }
            Optional<ProcessHandle> postgres = ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
                    .filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().orElse("").contains("postgres"));
            if (postgres.isPresent()) {
                postgres.get().destroy();
                try {
                    postgres.get().onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    postgres.get().destroyForcibly();
                }
            }
        } catch (IOException | NumberFormatException e) {
            // nothing readable to stop
        }
    }
}
