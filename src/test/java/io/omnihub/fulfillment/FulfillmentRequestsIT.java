package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A poll's requests are recorded as sent together ({@link FulfillmentRequests#sent(List)}): once per request, even
 * when the same request is twice in the poll (a redelivery next to a replay) or was recorded by an earlier poll,
 * in the poll's order.
 */
class FulfillmentRequestsIT extends HubIntegrationTest {

    @Autowired
    FulfillmentRequests requests;

    @Autowired
    ObjectMapper mapper;

    @Test
    void aPollsRequestsAreRecordedOnceEachInTheirOrder() {
        String sku = TestData.sku(jdbc, "WH-NJ1", 5);
        List<String> orders = TestOrders.received(jdbc, mapper, "web", 2, i -> sku);
        String a = orders.get(0) + "-WH-NJ1";
        String b = orders.get(1) + "-WH-NJ1";
        String c = orders.get(1) + "-ST-MAN";
        requests.sent(List.of(new FulfillmentRequests.Sent(a, orders.get(0), "WH-NJ1", "WMS_SFTP", "wms/outbound/" + a + ".json")));

        requests.sent(List.of(
                new FulfillmentRequests.Sent(b, orders.get(1), "WH-NJ1", "WMS_SFTP", "wms/outbound/" + b + ".json"),
                new FulfillmentRequests.Sent(a, orders.get(0), "WH-NJ1", "WMS_SFTP", "wms/outbound/" + a + ".json"),
                new FulfillmentRequests.Sent(c, orders.get(1), "ST-MAN", "STORE_HTTP", "http://store/ST-MAN"),
                new FulfillmentRequests.Sent(b, orders.get(1), "WH-NJ1", "WMS_SFTP", "wms/outbound/" + b + ".json")));

        assertThat(sent(orders.get(0))).containsExactly("WH-NJ1 via WMS_SFTP: wms/outbound/" + a + ".json");
        assertThat(sent(orders.get(1))).containsExactly("WH-NJ1 via WMS_SFTP: wms/outbound/" + b + ".json",
                "ST-MAN via STORE_HTTP: http://store/ST-MAN");
        assertThat(jdbc.queryForObject("select count(*) from idempotency_key where scope = 'fulfillment-request' and key in (:k)",
                new MapSqlParameterSource("k", List.of(a, b, c)), Integer.class)).isEqualTo(3);
    }

    List<String> sent(String orderId) {
        return jdbc.queryForList("select detail from order_event where order_id = :id and kind = 'FULFILLMENT_REQUEST_SENT' order by id",
                new MapSqlParameterSource("id", orderId), String.class);
    }
}
