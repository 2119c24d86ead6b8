package io.omnihub.files;

import io.omnihub.orders.OrderIntake;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.SftpPeer;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.UUID;

import static org.awaitility.Awaitility.await;

/** The WMS's shipment file makes a routed order SHIPPED and moves its stock out of the ledger. */
class OrderShipmentsIT extends HubIntegrationTest {

    @Value("${omnihub.sftp.host}")
    String sftpHost;
    @Value("${omnihub.sftp.port}")
    int sftpPort;
    @Autowired
    OrderIntake orderIntake;

    @Test
    void shouldMarkTheOrderShippedFromTheWmsFile() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        String orderId = orderIntake.accept("web", """
                {"channelOrderId": "%s", "placedAt": "2026-11-25T10:00:00Z", "fulfillmentType": "SHIP_TO_HOME",
                 "currency": "USD", "lines": [{"lineNo": 1, "sku": "%s", "quantity": 1}]}
                """.formatted("ship-" + UUID.randomUUID(), sku)).orderId();
        await().atMost(Duration.ofSeconds(30)).until(() -> "ROUTED".equals(jdbc.queryForObject(
                "select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class)));
        try (SftpPeer wms = SftpPeer.login(sftpHost, sftpPort, "wms", "wms-secret")) {
            wms.upload("inbound/shipments/shipments-" + UUID.randomUUID().toString().substring(0, 8) + ".csv",
                    "order_id,warehouse,carrier,tracking_number\n" + orderId + ",WH-NJ1,UPS,1Z999AA10123456784\n");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "SHIPPED".equals(jdbc.queryForObject(
                "select status from orders where id = :id", new MapSqlParameterSource("id", orderId), String.class)));
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> org.assertj.core.api.Assertions.assertThat(
                jdbc.queryForMap("select on_hand, reserved from stock where node_id = 'WH-NJ1' and sku = :sku", p))
                .containsEntry("on_hand", 4).containsEntry("reserved", 0));
    }
}
