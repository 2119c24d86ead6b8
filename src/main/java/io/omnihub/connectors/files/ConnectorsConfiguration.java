package io.omnihub.connectors.files;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import java.time.Duration;

/** Beans the connectors refer to by name from their Kamelets. */
@Configuration(proxyBeanMethods = false)
public class ConnectorsConfiguration {

    /**
     * Files the SFTP sources have claimed or processed, shared by every hub instance (used as
     * {@code idempotentRepository=#sftpProcessedFiles}). A claim not completed within the lease is taken again.
     */
    @Bean
    public PostgresIdempotentRepository sftpProcessedFiles(NamedParameterJdbcTemplate jdbc,
                                                           @Value("${omnihub.sftp.claim-lease-seconds:600}") long leaseSeconds) {
        return new PostgresIdempotentRepository(jdbc, "sftp-file", Duration.ofSeconds(leaseSeconds));
    }
}
