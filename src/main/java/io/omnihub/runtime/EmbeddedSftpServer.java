package io.omnihub.runtime;

import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real SFTP server (Apache MINA SSHD) on loopback. Each user logs in with a password or a public key and
 * is confined to its own home folder under the SFTP root: a partner never sees another partner's files.
 */
final class EmbeddedSftpServer implements AutoCloseable {

    private final SshServer server;

    private EmbeddedSftpServer(SshServer server) {
        this.server = server;
    }

    static EmbeddedSftpServer start(Path root, Path hostKey, int port, List<SftpUser> users) throws Exception {
        Files.createDirectories(root);
        Map<String, SftpUser> byName = new HashMap<>();
        Map<String, PublicKey> keys = new HashMap<>();
        VirtualFileSystemFactory fileSystems = new VirtualFileSystemFactory(root.resolve("nobody"));
        for (SftpUser user : users) {
            byName.put(user.name(), user);
            Path home = root.resolve(user.home() == null || user.home().isBlank() ? user.name() : user.home())
                    .normalize();
            if (!home.startsWith(root.normalize())) {
                throw new IllegalArgumentException("SFTP home of " + user.name() + " escapes the SFTP root: " + user.home());
            }
            Files.createDirectories(home);
            fileSystems.setUserHomeDir(user.name(), home);
            if (user.authorizedKey() != null && !user.authorizedKey().isBlank()) {
                keys.put(user.name(), AuthorizedKeyEntry.parseAuthorizedKeyEntry(user.authorizedKey())
                        .resolvePublicKey(null, PublicKeyEntryResolver.FAILING));
            }
        }
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(port);
        // an SFTP exchange is many small request-answer round trips: with Nagle's algorithm on, an answer written in
        // two pieces waits for the client's delayed acknowledgement (40 ms on Linux) before its second piece leaves
        CoreModuleProperties.TCP_NODELAY.set(sshd, true);
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(hostKey);
        hostKeys.setAlgorithm("RSA");
        sshd.setKeyPairProvider(hostKeys);
        sshd.setPasswordAuthenticator((username, password, session) -> {
            SftpUser user = byName.get(username);
            return user != null && user.password() != null && !user.password().isEmpty()
                    && MessageDigest.isEqual(user.password().getBytes(StandardCharsets.UTF_8),
                    password.getBytes(StandardCharsets.UTF_8));
        });
        sshd.setPublickeyAuthenticator((username, key, session) -> {
            PublicKey allowed = keys.get(username);
            return allowed != null && allowed.equals(key);
        });
        sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        sshd.setFileSystemFactory(fileSystems);
        sshd.start();
        return new EmbeddedSftpServer(sshd);
    }

    int port() {
        return server.getPort();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
