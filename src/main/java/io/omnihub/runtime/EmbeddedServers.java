package io.omnihub.runtime;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default. For each external part with no address configured (PostgreSQL:
 * {@code spring.datasource.url}; Kafka: {@code omnihub.kafka.brokers}; SFTP: {@code omnihub.sftp.host}) it
 * starts a real server on loopback under the data directory, once per JVM, and publishes its address as
 * configuration before the application context reads it. The servers stop at JVM exit after every application
 * context has closed (see {@link #startMissing}). With {@code omnihub.embedded.enabled=false}
 * nothing is started and every address must be configured.
 */
public class EmbeddedServers implements EnvironmentPostProcessor, Ordered {

    /** What was started in this JVM, for the start-up banner; shared by every context in the JVM. */
    private static final Map<String, String> started = new LinkedHashMap<>();
    private static final List<AutoCloseable> running = new ArrayList<>();
    private static final Map<String, Object> published = new LinkedHashMap<>();

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.getProperty("omnihub.embedded.enabled", Boolean.class, true)) {
            return;
        }
        synchronized (EmbeddedServers.class) {
            try {
                startMissing(env);
            } catch (Exception e) {
                throw new IllegalStateException("Could not start the embedded servers: " + e.getMessage(), e);
            }
            env.getPropertySources().addFirst(new MapPropertySource("omnihub-embedded", new LinkedHashMap<>(published)));
        }
    }

    private void startMissing(ConfigurableEnvironment env) throws Exception {
        Path dataDir = Path.of(env.getProperty("omnihub.data-dir", "./data")).toAbsolutePath().normalize();

        if (!StringUtils.hasText(env.getProperty("spring.datasource.url")) && !published.containsKey("spring.datasource.url")) {
            long t0 = System.nanoTime();
            EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dataDir.resolve("postgres"),
                    env.getProperty("omnihub.embedded.postgres.port", Integer.class, 15432),
                    env.getProperty("omnihub.embedded.postgres.durable", Boolean.class, true),
                    Binder.get(env).bind("omnihub.embedded.postgres.settings", Bindable.mapOf(String.class, String.class))
                            .orElse(Map.of()),
                    // stopped by stopAll, after the application contexts, not by a JVM hook of its own
                    false);
            running.add(pg);
            published.put("spring.datasource.url", pg.jdbcUrl());
            published.put("spring.datasource.username", "postgres");
            published.put("spring.datasource.password", "postgres");
            started.put("PostgreSQL", pg.jdbcUrl() + " (user postgres, data " + dataDir.resolve("postgres")
                    + ", " + ms(t0) + (pg.orphanStopped() > 0
                    ? "; stopped PostgreSQL pid " + pg.orphanStopped() + " left running by an earlier hub that did not shut down" : "")
                    + ")");
        }

        if (!StringUtils.hasText(env.getProperty("omnihub.kafka.brokers")) && !published.containsKey("omnihub.kafka.brokers")) {
            long t0 = System.nanoTime();
            EmbeddedKafkaServer kafka = EmbeddedKafkaServer.start(dataDir.resolve("kafka"),
                    env.getProperty("omnihub.embedded.kafka.port", Integer.class, 19092),
                    env.getProperty("omnihub.kafka.partitions", Integer.class, 6));
            running.add(kafka);
            published.put("omnihub.kafka.brokers", kafka.bootstrapServers());
            started.put("Kafka (KRaft)", kafka.bootstrapServers() + " (data " + dataDir.resolve("kafka") + ", " + ms(t0) + ")");
        }

        if (!StringUtils.hasText(env.getProperty("omnihub.sftp.host")) && !published.containsKey("omnihub.sftp.host")) {
            long t0 = System.nanoTime();
            List<SftpUser> users = Binder.get(env)
                    .bind("omnihub.embedded.sftp.users", Bindable.listOf(SftpUser.class))
                    .orElse(List.of());
            EmbeddedSftpServer sftp = EmbeddedSftpServer.start(dataDir.resolve("sftp"), dataDir.resolve("sftp-host-key.ser"),
                    env.getProperty("omnihub.embedded.sftp.port", Integer.class, 2222), users);
            running.add(sftp);
            published.put("omnihub.sftp.host", "127.0.0.1");
            published.put("omnihub.sftp.port", sftp.port());
            published.put("omnihub.sftp.root", dataDir.resolve("sftp").toString());
            started.put("SFTP", "127.0.0.1:" + sftp.port() + " (users " + users.stream().map(SftpUser::name).toList()
                    + ", root " + dataDir.resolve("sftp") + ", " + ms(t0) + ")");
        }

        if (running.size() > 0 && !published.containsKey("omnihub.embedded.hook")) {
            published.put("omnihub.embedded.hook", true);
            // Not a JVM shutdown hook of our own: JVM hooks run concurrently, so Kafka used to stop while Camel's
            // consumers were still stopping; they then spent 35 s failing to reach the broker to leave their groups,
            // and at the next start every group waited for the old members' sessions to expire. Spring Boot runs its
            // shutdown handlers one after another, and only after every application context of the JVM has closed:
            // Camel's routes (consumers leave their groups), the outbox relay, the connection pool and every other
            // client are gone before the first server stops. stopAll then stops the servers in the reverse order of
            // their start: SFTP, Kafka, PostgreSQL.
            SpringApplication.getShutdownHandlers().add(EmbeddedServers::stopAll);
        }
    }

    private static String ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000 + " ms";
    }

    /** What the embedded default started in this JVM, by part. */
    public static synchronized Map<String, String> started() {
        return Map.copyOf(started);
    }

    /** Stops every embedded server, the last started first (PostgreSQL, which the others' clients may need, last). */
    static synchronized void stopAll() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                // stopping at exit: nothing more to do with the error
            }
        }
        running.clear();
    }
}
