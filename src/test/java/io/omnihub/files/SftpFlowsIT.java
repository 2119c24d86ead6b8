package io.omnihub.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.KafkaProbe;
import io.omnihub.support.SftpPeer;
import io.omnihub.support.TestData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The SFTP flows end to end: the WMS and the drop-ship partner upload files with a real SFTP client to the
 * embedded SFTP server, the hub reads them, publishes canonical messages to Kafka, writes the result file back
 * and moves the file to done/ or error/; bad rows become dead letters without stopping the good ones.
 */
class SftpFlowsIT extends HubIntegrationTest {

    @Value("${omnihub.sftp.host}")
    String sftpHost;
    @Value("${omnihub.sftp.port}")
    int sftpPort;
    @Autowired
    ObjectMapper mapper;
    @Autowired
    OrderIntake orderIntake;

    SftpPeer wms;
    SftpPeer acme;

    @BeforeEach
    void login() {
        wms = SftpPeer.login(sftpHost, sftpPort, "wms", "wms-secret");
        acme = SftpPeer.login(sftpHost, sftpPort, "acme-dropship", "acme-secret");
    }

    @AfterEach
    void logout() {
        wms.close();
        acme.close();
    }

    static String unique(String prefix, String ext) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "." + ext;
    }

    String awaitResult(SftpPeer peer, String dir, String name) {
        await().atMost(Duration.ofSeconds(30)).until(() -> peer.exists(dir + "/" + name + ".result.csv"));
        return peer.read(dir + "/" + name + ".result.csv");
    }

    /**
     * The ledger entries stock events made for {@code sku}, oldest first. A file's stock rows are applied as the file is
     * read, so a row the result file lists as accepted is in the ledger by the time the result file is there.
     */
    List<Map<String, Object>> ledgerEntries(String sku) {
        return jdbc.queryForList("""
                select kind, node_id, on_hand_delta, on_hand_after, reference, reason from ledger_entry
                where sku = :sku and reference like 'stock-event:%' order by id""", new MapSqlParameterSource("sku", sku));
    }

    JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    int deadLettersMentioning(String text) {
        return jdbc.queryForObject("select count(*) from dead_letter where error like :t or payload like :t",
                new MapSqlParameterSource("t", "%" + text + "%"), Integer.class);
    }

    String hubOrder(String sku) {
        String json = """
                {"channelOrderId": "%s", "placedAt": "2026-11-25T10:00:00Z", "fulfillmentType": "SHIP_TO_HOME",
                 "currency": "USD", "lines": [{"lineNo": 1, "sku": "%s", "quantity": 1}]}
                """.formatted("ship-" + UUID.randomUUID(), sku);
        return orderIntake.accept("web", json).orderId();
    }

    @Nested
    class WmsStock {

        @Test
        void shouldPublishEveryGoodRowAndReportEveryBadOne() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String name = unique("stock", "csv");
            wms.upload("inbound/stock/" + name, """
                    record_type,warehouse,sku,quantity,reason,counted_at
                    SNAPSHOT,WH-NJ1,%1$s,40,,2026-11-25T06:00:00Z
                    ADJUSTMENT,WH-NJ1,%1$s,-2,damaged,
                    SNAPSHOT,WH-NJ1,NO-SUCH-SKU-%2$s,3,,
                    ADJUSTMENT,WH-NJ1,%1$s,lots,recount,
                    SNAPSHOT,WH-NJ1,%1$s
                    SNAPSHOT,NO-SUCH-NODE,%1$s,1,,
                    """.formatted(sku, name));

            String result = awaitResult(wms, "inbound/stock", name);

            assertThat(result.lines()).containsExactly(
                    "row,status,reason",
                    "1,accepted,",
                    "2,accepted,",
                    "3,rejected,sku: unknown sku NO-SUCH-SKU-" + name,
                    result.lines().toList().get(4),
                    "5,rejected,\"row has 3 fields, the header has 6\"",
                    "6,rejected,nodeId: unknown node NO-SUCH-NODE");
            assertThat(result.lines().toList().get(4)).startsWith("4,rejected,").contains("quantity");

            // the accepted rows are in the ledger when the result file is there, in row order, each once
            List<Map<String, Object>> entries = ledgerEntries(sku);
            assertThat(entries).hasSize(2);
            assertThat(entries.get(0)).containsEntry("kind", "SNAPSHOT").containsEntry("node_id", "WH-NJ1")
                    .containsEntry("on_hand_after", 40);
            assertThat(entries.get(1)).containsEntry("kind", "ADJUSTMENT").containsEntry("node_id", "WH-NJ1")
                    .containsEntry("on_hand_delta", -2).containsEntry("on_hand_after", 38).containsEntry("reason", "damaged");
            assertThat((String) entries.get(0).get("reference")).startsWith("stock-event:wms:" + name + "@").endsWith(":1");
            assertThat((String) entries.get(1).get("reference")).endsWith(":2");

            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/stock/done/" + name));
            assertThat(wms.exists("inbound/stock/" + name)).isFalse();
            assertThat(deadLettersMentioning("NO-SUCH-SKU-" + name)).isEqualTo(1);
            assertThat(jdbc.queryForObject("select count(*) from dead_letter where source = 'wms-stock' and headers->>'OmnihubFile' = :f",
                    new MapSqlParameterSource("f", name), Integer.class)).isEqualTo(4);
        }

        @Test
        void shouldReadAFileOnceAndAGoodRowOnlyOnce() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String name = unique("stock", "csv");
            String content = "record_type,warehouse,sku,quantity\nSNAPSHOT,WH-NJ1," + sku + ",7\n";
            wms.upload("inbound/stock/" + name, content);
            awaitResult(wms, "inbound/stock", name);
            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/stock/done/" + name));

            // the same rows again under another name: new events (a new file), the first file is not read again
            String again = unique("stock", "csv");
            wms.upload("inbound/stock/" + again, content);
            awaitResult(wms, "inbound/stock", again);

            List<Map<String, Object>> entries = ledgerEntries(sku);
            assertThat(entries).hasSize(2);
            assertThat(entries.stream().map(e -> e.get("reference")).distinct()).hasSize(2);
        }
    }

    @Nested
    class BadFiles {

        @Test
        void shouldRefuseAWrongHeaderAndMoveTheFileToError() {
            String name = unique("stock", "csv");
            wms.upload("inbound/stock/" + name, "item,qty\nSKU-1001,4\n");

            String result = awaitResult(wms, "inbound/stock", name);

            assertThat(result).contains("file,refused,")
                    .contains("header: missing column record_type, warehouse, sku, quantity");
            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/stock/error/" + name));
            assertThat(deadLettersMentioning("file " + name + " refused: header")).isEqualTo(1);
        }

        @Test
        void shouldRefuseAnEmptyFile() {
            String name = unique("stock", "csv");
            wms.upload("inbound/stock/" + name, new byte[0]);

            assertThat(awaitResult(wms, "inbound/stock", name)).contains("file,refused,file is empty");
            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/stock/error/" + name));
        }

        @Test
        void shouldRefuseAFileWithAHeaderButNoRows() {
            String name = unique("stock", "csv");
            wms.upload("inbound/stock/" + name, "record_type,warehouse,sku,quantity\n");

            assertThat(awaitResult(wms, "inbound/stock", name)).contains("file,refused,file has no data rows");
        }

        @Test
        void shouldRefuseAFileOverTheSizeLimitWithoutReadingIt() {
            String name = unique("stock", "csv");
            byte[] big = new byte[10 * 1024 * 1024 + 1];
            java.util.Arrays.fill(big, (byte) 'x');
            wms.upload("inbound/stock/" + name, big);

            assertThat(awaitResult(wms, "inbound/stock", name))
                    .contains("file,refused,file of 10485761 bytes is over the limit of 10485760 bytes");
            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/stock/error/" + name));
        }

        @Test
        void shouldRefuseAFileThatIsNotUtf8() {
            String name = unique("stock", "csv");
            byte[] latin1 = "record_type,warehouse,sku,quantity\nSNAPSHOT,WH-NJ1,Caf\u00e9,1\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            wms.upload("inbound/stock/" + name, latin1);

            assertThat(awaitResult(wms, "inbound/stock", name)).contains("file,refused,body is not valid UTF-8");
        }

        @Test
        void shouldKeepAPartnerInsideItsOwnFolderWhenItUploadsToADotDotPath() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String name = unique("stock", "csv");
            // the partner tries to drop a file into the WMS's folder through ../
            acme.upload("../../wms/inbound/stock/" + name, "record_type,warehouse,sku,quantity\nSNAPSHOT,WH-NJ1," + sku + ",99\n");

            // the server kept it inside the partner's home; the WMS folder never sees it
            assertThat(acme.exists("wms/inbound/stock/" + name)).isTrue();
            assertThat(wms.exists("inbound/stock/" + name)).isFalse();
            assertThat(wms.exists("inbound/stock/done/" + name)).isFalse();
            assertThat(KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.STOCK_EVENTS, sku, Duration.ofSeconds(3))).isEmpty();
        }
    }

    @Nested
    class Shipments {

        @Test
        void shouldPublishWmsShipmentConfirmationsAndRejectAnUnknownOrder() {
            String sku = TestData.sku(jdbc, "WH-NJ1", 5);
            String orderId = hubOrder(sku);
            String name = unique("shipments", "csv");
            wms.upload("inbound/shipments/" + name, """
                    order_id,warehouse,carrier,tracking_number,shipped_at
                    %s,WH-NJ1,UPS,1Z999AA10123456784,2026-11-25T09:00:00Z
                    OH-NOPE,WH-NJ1,UPS,1Z999AA10123456785,
                    """.formatted(orderId));

            String result = awaitResult(wms, "inbound/shipments", name);

            assertThat(result.lines()).containsExactly("row,status,reason", "1,accepted,", "2,rejected,orderId: unknown order OH-NOPE");
            List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.SHIPMENTS,
                    orderId, Duration.ofSeconds(20));
            assertThat(records).hasSize(1);
            JsonNode shipment = read(records.get(0).value());
            assertThat(shipment.get("nodeId").asText()).isEqualTo("WH-NJ1");
            assertThat(shipment.get("carrier").asText()).isEqualTo("UPS");
            assertThat(shipment.get("trackingNumber").asText()).isEqualTo("1Z999AA10123456784");
            assertThat(shipment.get("shippedAt").asText()).isEqualTo("2026-11-25T09:00:00Z");
            await().atMost(Duration.ofSeconds(10)).until(() -> wms.exists("inbound/shipments/done/" + name));
        }
    }

    @Nested
    class PartnerDropship {

        @Test
        void shouldTurnTheStockFileIntoSnapshotsForTheDropShipNode() {
            String sku1 = TestData.sku(jdbc, "DS-ACME", 1);
            String sku2 = TestData.sku(jdbc, "DS-ACME", 1);
            String name = "stock-" + UUID.randomUUID().toString().substring(0, 8) + ".json";
            acme.upload("inbound/" + name, """
                    [{"sku": "%s", "available": 12}, {"sku": "%s", "available": -4}, {"sku": "%s", "available": 0}]
                    """.formatted(sku1, sku2, sku2));

            String result = awaitResult(acme, "inbound", name);

            assertThat(result.lines()).hasSize(4);
            assertThat(result.lines().toList().get(1)).isEqualTo("1,accepted,");
            assertThat(result.lines().toList().get(2)).startsWith("2,rejected,").contains("quantity");
            assertThat(result.lines().toList().get(3)).isEqualTo("3,accepted,");
            List<Map<String, Object>> first = ledgerEntries(sku1);
            assertThat(first).hasSize(1);
            assertThat(first.get(0)).containsEntry("kind", "SNAPSHOT").containsEntry("node_id", "DS-ACME")
                    .containsEntry("on_hand_after", 12);
            List<Map<String, Object>> second = ledgerEntries(sku2);
            assertThat(second).hasSize(1);
            assertThat(second.get(0)).containsEntry("kind", "SNAPSHOT").containsEntry("on_hand_after", 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> acme.exists("inbound/done/" + name));
        }

        @Test
        void shouldPublishThePartnersShipmentConfirmations() {
            String sku = TestData.sku(jdbc, "DS-ACME", 5);
            String orderId = hubOrder(sku);
            String name = "shipments-" + UUID.randomUUID().toString().substring(0, 8) + ".csv";
            acme.upload("inbound/" + name, "order,carrier,tracking,shipped\n" + orderId + ",FedEx,794600000001,\n");

            assertThat(awaitResult(acme, "inbound", name).lines()).containsExactly("row,status,reason", "1,accepted,");
            List<ConsumerRecord<String, String>> records = KafkaProbe.recordsWithKey(kafkaBrokers, CanonicalTopics.SHIPMENTS,
                    orderId, Duration.ofSeconds(20));
            assertThat(records).hasSize(1);
            assertThat(read(records.get(0).value()).get("nodeId").asText()).isEqualTo("DS-ACME");
        }
    }
}
