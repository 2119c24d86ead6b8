package io.omnihub.observability;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.springframework.boot.actuate.health.CompositeHealthContributor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.NamedContributor;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reachability of every SFTP server the hub talks to: logs in with the hub's credentials through the MINA SSHD
 * client, opens the SFTP subsystem and lists the home folder. The hub's own server ({@code omnihub.sftp.*}) is
 * checked as {@code hub}; more servers come from {@code omnihub.observability.sftp-servers}. Registered as the
 * {@code sftp} health contributor with one check per server.
 */
@Component("sftp")
public class SftpStatus implements CompositeHealthContributor {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final ServerKeyVerifier hostKeys;
    private volatile SshClient client;

    /** An SFTP server to check. */
    public record Server(String name, String host, int port, String username, String password) {
    }

    /** Extra SFTP servers (partners' own) to check, besides the hub's. */
    @ConfigurationProperties(prefix = "omnihub.observability")
    public record Servers(List<Server> sftpServers) {
    }

    public SftpStatus(Environment env, Servers extra) {
        hostKeys = hostKeyVerifier(env.getProperty("omnihub.sftp.strict-host-key-checking", "no"),
                env.getProperty("omnihub.sftp.known-hosts-file", ""));
        String host = env.getProperty("omnihub.sftp.host");
        if (host != null && !host.isBlank()) {
            servers.put("hub", new Server("hub", host, env.getProperty("omnihub.sftp.port", Integer.class, 22),
                    env.getProperty("omnihub.sftp.username"), env.getProperty("omnihub.sftp.password")));
        }
        if (extra != null && extra.sftpServers() != null) {
            extra.sftpServers().forEach(s -> servers.put(s.name(), s));
        }
    }

    /** The servers checked, by name. */
    public Map<String, Server> servers() {
        return servers;
    }

    /** Logs in and lists the home folder; the health says how long it took or why it failed. */
    public Health check(Server server) {
        long t0 = System.nanoTime();
        try (ClientSession session = client().connect(server.username(), server.host(), server.port())
                .verify(TIMEOUT).getSession()) {
            session.addPasswordIdentity(server.password());
            session.auth().verify(TIMEOUT);
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
                int entries = 0;
                for (SftpClient.DirEntry ignored : sftp.readDir(".")) {
                    entries++;
                }
                return Health.up().withDetail("address", server.host() + ":" + server.port())
                        .withDetail("user", server.username()).withDetail("homeEntries", entries)
                        .withDetail("millis", (System.nanoTime() - t0) / 1_000_000).build();
            }
        } catch (Exception e) {
            return Health.down().withDetail("address", server.host() + ":" + server.port())
                    .withDetail("user", server.username())
                    .withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }

    @Override
    public HealthContributor getContributor(String name) {
        Server s = servers.get(name);
        return s == null ? null : (HealthIndicator) () -> check(s);
    }

    @Override
    public Iterator<NamedContributor<HealthContributor>> iterator() {
        List<NamedContributor<HealthContributor>> list = new ArrayList<>();
        servers.forEach((name, s) -> list.add(NamedContributor.of(name, (HealthIndicator) () -> check(s))));
        return list.iterator();
    }

    private SshClient client() {
        SshClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    SshClient created = SshClient.setUpDefaultClient();
                    created.setServerKeyVerifier(hostKeys);
                    created.start();
                    client = created;
                }
                c = client;
            }
        }
        return c;
    }

    /**
     * The health check logs in with the hub's password, so it checks host keys as the SFTP routes do: with strict
     * checking (production) only keys in the known-hosts file, and none when there is no file; without it (the
     * embedded development server) any key.
     */
    static ServerKeyVerifier hostKeyVerifier(String strictHostKeyChecking, String knownHostsFile) {
        if (!"yes".equals(strictHostKeyChecking)) {
            return AcceptAllServerKeyVerifier.INSTANCE;
        }
        if (knownHostsFile == null || knownHostsFile.isBlank()) {
            return RejectAllServerKeyVerifier.INSTANCE;
        }
        return new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE, Path.of(knownHostsFile));
    }

    @jakarta.annotation.PreDestroy
    void close() throws Exception {
        if (client != null) {
            client.stop();
        }
    }
}
