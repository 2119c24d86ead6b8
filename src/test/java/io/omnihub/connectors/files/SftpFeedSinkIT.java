package io.omnihub.connectors.files;

import io.omnihub.support.HubIntegrationTest;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SFTP sink connector (sftp-feed-sink) writes a file under a temporary name and renames it into place, without
 * asking the server whether the target exists (which lists the whole folder: a WMS outbound folder holds thousands of
 * requests). A file written again under the same name (a request sent again after a crash, a replayed dead letter)
 * replaces the first, as before.
 */
class SftpFeedSinkIT extends HubIntegrationTest {

    @Autowired
    ProducerTemplate producer;

    @Value("${omnihub.sftp.root}")
    String sftpRoot;

    @Test
    void aFileWrittenAgainUnderItsNameReplacesTheFirstAndLeavesNoTemporaryFile() throws Exception {
        String requestId = "sink-" + UUID.randomUUID();
        Path outbound = Path.of(sftpRoot, "wms", "outbound");
        producer.sendBodyAndProperty("direct:fulfillment-wms-sftp", "{\"first\": true}", "requestId", requestId);
        Path file = outbound.resolve(requestId + ".json");
        assertThat(file).hasContent("{\"first\": true}");

        producer.sendBodyAndProperty("direct:fulfillment-wms-sftp", "{\"second\": true}", "requestId", requestId);
        assertThat(file).hasContent("{\"second\": true}");
        try (Stream<Path> files = Files.list(outbound)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains(requestId)))
                    .containsExactly(requestId + ".json");
        }
    }
}
