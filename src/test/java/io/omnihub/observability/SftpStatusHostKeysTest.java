package io.omnihub.observability;

import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.mock.env.MockEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SFTP health check logs in with the hub's password; with strict host key checking (the prod profile) it does so
 * only to a server whose key is in the configured known-hosts file (issue 15: it accepted any key, so a server posing
 * as the hub's SFTP server would have been sent the password). Against a real MINA SSHD server.
 */
class SftpStatusHostKeysTest {

    @TempDir
    Path dir;
    SshServer server;
    KeyPair hostKey;

    @BeforeEach
    void startServer() throws Exception {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(dir.resolve("host-key.ser"));
        keys.setAlgorithm("RSA");
        server.setKeyPairProvider(keys);
        server.setPasswordAuthenticator((user, password, session) -> "hub".equals(user) && "pw".equals(password));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.setFileSystemFactory(new org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory(
                Files.createDirectories(dir.resolve("home"))));
        server.start();
        hostKey = keys.loadKeys(null).iterator().next();
    }

    @AfterEach
    void stopServer() throws Exception {
        server.stop(true);
    }

    Health check(String strict, Path knownHosts) throws Exception {
        MockEnvironment env = new MockEnvironment()
                .withProperty("omnihub.sftp.host", "127.0.0.1")
                .withProperty("omnihub.sftp.port", Integer.toString(server.getPort()))
                .withProperty("omnihub.sftp.username", "hub")
                .withProperty("omnihub.sftp.password", "pw")
                .withProperty("omnihub.sftp.strict-host-key-checking", strict)
                .withProperty("omnihub.sftp.known-hosts-file", knownHosts == null ? "" : knownHosts.toString());
        SftpStatus status = new SftpStatus(env, new SftpStatus.Servers(List.of()));
        try {
            return status.check(status.servers().get("hub"));
        } finally {
            status.close();
        }
    }

    Path knownHosts(KeyPair key) throws Exception {
        return Files.writeString(dir.resolve("known_hosts-" + System.nanoTime()),
                "[127.0.0.1]:" + server.getPort() + " " + PublicKeyEntry.toString(key.getPublic()) + "\n");
    }

    @Test
    void shouldLogInToAServerWhoseKeyIsKnown() throws Exception {
        assertThat(check("yes", knownHosts(hostKey)).getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void shouldNotLogInToAServerWithAnotherKeyOrWithoutAKnownHostsFile() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        Health impostor = check("yes", knownHosts(rsa.generateKeyPair()));
        assertThat(impostor.getStatus()).as(impostor.toString()).isEqualTo(Status.DOWN);
        assertThat(check("yes", null).getStatus()).isEqualTo(Status.DOWN);
    }

    @Test
    void shouldAcceptAnyKeyWithoutStrictCheckingAsTheEmbeddedDevelopmentServerDoes() throws Exception {
        assertThat(check("no", null).getStatus()).isEqualTo(Status.UP);
    }
}
