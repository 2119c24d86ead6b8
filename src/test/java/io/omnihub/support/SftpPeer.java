package io.omnihub.support;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A partner's SFTP client for tests (Apache MINA SSHD): logs in with a password as a real partner would, uploads
 * files into its home and reads result files back.
 */
public final class SftpPeer implements AutoCloseable {

    private final SshClient client;
    private final ClientSession session;
    private final SftpClient sftp;

    private SftpPeer(SshClient client, ClientSession session, SftpClient sftp) {
        this.client = client;
        this.session = session;
        this.sftp = sftp;
    }

    public static SftpPeer login(String host, int port, String user, String password) {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try {
            ClientSession session = client.connect(user, host, port).verify(Duration.ofSeconds(10)).getSession();
            session.addPasswordIdentity(password);
            session.auth().verify(Duration.ofSeconds(10));
            return new SftpPeer(client, session, SftpClientFactory.instance().createSftpClient(session));
        } catch (IOException e) {
            client.stop();
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads {@code content} to {@code path} (relative to the user's home), creating its folders. */
    public void upload(String path, byte[] content) {
        try {
            mkdirs(path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "");
            try (OutputStream out = sftp.write(path)) {
                out.write(content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void upload(String path, String content) {
        upload(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** The text of {@code path}, or null when there is no such file. */
    public String read(String path) {
        try (InputStream in = sftp.read(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (SftpException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean exists(String path) {
        try {
            sftp.stat(path);
            return true;
        } catch (SftpException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names in folder {@code dir} (without . and ..), empty when it does not exist. */
    public List<String> list(String dir) {
        List<String> names = new ArrayList<>();
        try {
            for (SftpClient.DirEntry e : sftp.readDir(dir)) {
                if (!e.getFilename().equals(".") && !e.getFilename().equals("..")) {
                    names.add(e.getFilename());
                }
            }
        } catch (SftpException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private void mkdirs(String dir) throws IOException {
        if (dir.isEmpty()) {
            return;
        }
        StringBuilder path = new StringBuilder();
        for (String part : dir.split("/")) {
            path.append(path.length() == 0 ? "" : "/").append(part);
            if (!part.isEmpty() && !part.equals("..") && !exists(path.toString())) {
                try {
                    sftp.mkdir(path.toString());
                } catch (SftpException e) {
                    // created by someone else in the meantime
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            sftp.close();
            session.close();
        } catch (IOException e) {
            // closing a test client
        }
        client.stop();
    }
}
