package io.omnihub.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub's own PostgreSQL: durable by default, and restartable after a hard kill left its server running. */
class EmbeddedPostgresServerTest {

    @TempDir
    Path dir;

    @Test
    void shouldBeDurableAndStopAnOrphanedServerOnTheSameDataDirectory() throws Exception {
        Path data = dir.resolve("postgres");
        // a hub in its own JVM starts PostgreSQL and is then killed with SIGKILL: its server lives on
        Process hub = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PostgresChild.class.getName(), data.toString())
                .redirectErrorStream(true).start();
        String jdbcUrl;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(hub.getInputStream()))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("READY "));
            assertThat(line).as("child hub started PostgreSQL").isNotNull();
            jdbcUrl = line.substring("READY ".length());
        }
        long orphanPid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "postgres");
             Statement s = c.createStatement()) {
            s.execute("create table kept (v text)");
            s.execute("insert into kept values ('survives a restart')");
            assertThat(setting(s, "fsync")).isEqualTo("on");
            assertThat(setting(s, "synchronous_commit")).isEqualTo("on");
        }
        hub.destroyForcibly().waitFor();
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false))
                .as("PostgreSQL outlives the killed hub").isTrue();

        EmbeddedPostgresServer next = EmbeddedPostgresServer.start(data, 0, true, Map.of());
        try (Connection c = DriverManager.getConnection(next.jdbcUrl(), "postgres", "postgres");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select v from kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("survives a restart");
        } finally {
            next.close();
        }
        assertThat(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false))
                .as("the orphaned server was stopped").isFalse();
    }

    private static String setting(Statement s, String name) throws Exception {
        try (ResultSet rs = s.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
