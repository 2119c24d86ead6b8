package io.omnihub.runtime;

/**
 * An account on the embedded SFTP server. {@code home} is relative to the SFTP root and the user is
 * confined to it; {@code authorizedKey} is an OpenSSH public key line, optional.
 */
public record SftpUser(String name, String password, String home, String authorizedKey) {
}
