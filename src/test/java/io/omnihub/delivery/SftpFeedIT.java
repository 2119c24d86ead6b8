package io.omnihub.delivery;

import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static io.omnihub.sync.SyncTestSupport.stockEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The feed channel: changed figures written as a CSV file to the embedded SFTP server, formulas neutralised. */
class SftpFeedIT extends HubIntegrationTest {

    @Value("${omnihub.sftp.root}")
    Path sftpRoot;

    @Value("${omnihub.channels.feed.sink.directory}")
    String directory;

    String feedFiles() {
        Path dir = sftpRoot.resolve(directory);
        if (!Files.isDirectory(dir)) {
            return "";
        }
        try (Stream<Path> files = Files.list(dir)) {
            StringBuilder all = new StringBuilder();
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".csv")).toList()) {
                all.append(Files.readString(f));
            }
            return all.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void shouldWriteChangedFiguresToTheFeedFileWithFormulasNeutralised() {
        jdbc.update("insert into channel (id, name, allow_split) values ('feed', 'Affiliate feed', false) on conflict do nothing",
                new MapSqlParameterSource());
        jdbc.update("insert into channel_node (channel_id, node_id) values ('feed', 'WH-NJ1') on conflict do nothing",
                new MapSqlParameterSource());
        String sku = "=HYPERLINK(" + UUID.randomUUID().toString().substring(0, 8) + ")";
        jdbc.update("insert into item (sku, name) values (:sku, 'crafted name')", new MapSqlParameterSource("sku", sku));
        jdbc.update("insert into stock (node_id, sku, on_hand) values ('WH-NJ1', :sku, 4)", new MapSqlParameterSource("sku", sku));

        stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 3, null);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(feedFiles()).contains("'" + sku + ",7,1,"));
        assertThat(feedFiles()).doesNotContain("\n" + sku).startsWith("sku,available,sequence,as_of\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForList(
                "select status from delivery where channel = 'feed' and ordering_key = :sku",
                new MapSqlParameterSource("sku", sku), String.class).equals(List.of("DELIVERED")));
    }
}
